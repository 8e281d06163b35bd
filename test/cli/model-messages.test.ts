import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { editArgs, useCliDemoModel } from "./fixtures.js";
import { parseAdapterSpec, AdapterSpecError } from "../../src/weights/hub/lora-locator.js";
import { fluxParamsFromDiffusers, diffusersFluxConfig } from "../../src/models/flux/diffusers-config.js";
import { GOLDEN_T1 } from "../../src/models/flux/params.js";

/** Messages about a damaged model folder name the config file and the key. */
describe("config and adapter messages", () => {
  const demo = useCliDemoModel("icedit-messages-");

  /** A copy of the demo model with one config.json changed. */
  const damaged = async (name: string, component: string, change: (json: Record<string, unknown>) => void): Promise<string> => {
    const copy = join(demo.dir, name);
    await cp(demo.model, copy, { recursive: true });
    const file = join(copy, component, "config.json");
    const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    change(json);
    await writeFile(file, JSON.stringify(json));
    return copy;
  };
  const editWith = (folder: string) => icedit(editArgs(folder, demo.image, "x", "--steps", "1", "-o", join(demo.dir, "o.png")));

  it("a missing transformer key names the file and the key", async () => {
    const folder = await damaged("no-heads", "transformer", (j) => delete j["num_attention_heads"]);
    const run = await editWith(folder);
    assert.equal(run.code, 1);
    const file = join(folder, "transformer", "config.json");
    assert.ok(run.err.join("\n").includes(`${file}: "num_attention_heads" is missing`), run.err.join("\n"));
  });

  it("num_layers: -3 names num_layers and the file, not depth", async () => {
    const folder = await damaged("minus-layers", "transformer", (j) => (j["num_layers"] = -3));
    const run = await editWith(folder);
    const err = run.err.join("\n");
    assert.equal(run.code, 1);
    assert.match(err, /minus-layers\/transformer\/config\.json: "num_layers" must be a whole number >= 0, got -3/);
    assert.doesNotMatch(err, /depth/);
  });

  it("a bad VAE and T5 config name their files", async () => {
    const vae = await damaged("bad-vae", "vae", (j) => delete j["latent_channels"]);
    assert.match((await editWith(vae)).err.join("\n"), /bad-vae\/vae\/config\.json: "latent_channels" is missing/);
    const t5 = await damaged("bad-t5", "text_encoder_2", (j) => (j["d_model"] = -1));
    assert.match((await editWith(t5)).err.join("\n"), /bad-t5\/text_encoder_2\/config\.json: .*d_model/);
  });

  it("fluxParamsFromDiffusers keeps working on a good config, and names its source", () => {
    const config = diffusersFluxConfig(GOLDEN_T1);
    assert.deepEqual(fluxParamsFromDiffusers(config), GOLDEN_T1);
    const fractional = { ...config, attention_head_dim: 2.5 };
    const expected = /\/m\/transformer\/config\.json: "attention_head_dim" must be a whole number >= 1, got 2\.5/;
    assert.throws(() => fluxParamsFromDiffusers(fractional, "/m/transformer/config.json"), expected);
  });

  it("an adapter scale that is not a number is a bad scale, not a missing adapter", () => {
    assert.throws(
      () => parseAdapterSpec("dir:NaN"),
      (e: unknown) => e instanceof AdapterSpecError && /the scale "NaN" is not a number/.test(e.message),
    );
    assert.throws(() => parseAdapterSpec("a/b.safetensors:high"), /the scale "high" is not a number/);
    assert.throws(() => parseAdapterSpec("lora:"), /the scale "" is not a number/);
    assert.deepEqual(parseAdapterSpec("lora.safetensors:0.8"), { spec: "lora.safetensors", scale: 0.8 });
    assert.deepEqual(parseAdapterSpec("RiverZ/normal-lora"), { spec: "RiverZ/normal-lora", scale: 1 });
    assert.deepEqual(parseAdapterSpec("C:\\loras\\x.safetensors"), { spec: "C:\\loras\\x.safetensors", scale: 1 });
    assert.deepEqual(parseAdapterSpec("C:\\loras\\x.safetensors:-0.5"), { spec: "C:\\loras\\x.safetensors", scale: -0.5 });
  });
});
