/** VAE key layouts: the declarative table against the golden manifest's key map, detection, conversion. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { AutoEncoder } from "../../src/models/vae/model.js";
import { FLUX_VAE, GOLDEN_V1, validateVaeParams, vaeParamsFromBfl, type BflAutoEncoderParamsJson } from "../../src/models/vae/params.js";
import { InvalidArgumentError } from "../../src/errors.js";
import type { Tensor } from "../../src/tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../src/weights/errors.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import type { TensorSource } from "../../src/weights/source.js";
import { VaeLayoutError, VaeUnmappedTensorError } from "../../src/weights/layouts/vae-errors.js";
import { convertVae, vaeBflView, vaeKeyFormat, vaeKeyMapper } from "../../src/weights/layouts/vae-view.js";
import { PatternKeyMapper } from "../../src/weights/layouts/vae-key-mapper.js";
import { goldenFile, goldenSkip, haveGolden } from "../golden-paths.js";
import { parameterCount } from "../nn/helpers.js";

type KeyMapRow = [string, string, "none" | "squeeze_1x1"];

let manifest: { configs: { V1: { bfl_AutoEncoderParams: BflAutoEncoderParamsJson; diffusers_key_map: KeyMapRow[] } } };
let bfl: TensorSource;
before(async () => {
  if (!haveGolden) return;
  manifest = JSON.parse(await readFile(goldenFile("manifest.json"), "utf8")) as typeof manifest;
  bfl = await openSafetensors(goldenFile("weights/vae_v1_bfl_f32.safetensors"));
});
after(() => bfl?.close());

function bytes(t: Tensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

describe("VAE params", { skip: goldenSkip }, () => {
  test("V1 from the manifest equals the GOLDEN_V1 preset; FLUX_VAE derives factor 8 and mid width 512", () => {
    assert.deepEqual(vaeParamsFromBfl(manifest.configs.V1.bfl_AutoEncoderParams), GOLDEN_V1);
    assert.deepEqual(validateVaeParams(FLUX_VAE), { levels: 4, factor: 8, midChannels: 512 });
  });

  test("rejects sizes GroupNorm(32) cannot take, empty ch_mult, zero scale", () => {
    assert.throws(() => validateVaeParams({ ...FLUX_VAE, ch: 48 }), InvalidArgumentError);
    assert.throws(() => validateVaeParams({ ...FLUX_VAE, chMult: [] }), InvalidArgumentError);
    assert.throws(() => validateVaeParams({ ...FLUX_VAE, scaleFactor: 0 }), InvalidArgumentError);
    assert.throws(() => validateVaeParams({ ...FLUX_VAE, numResBlocks: 0 }), InvalidArgumentError);
  });

  test("the module tree declares exactly the tensors (names and shapes) of the golden BFL file", () => {
    const specs = new AutoEncoder(GOLDEN_V1).parameters();
    assert.equal(specs.length, 176);
    assert.deepEqual(specs.map((s) => s.path).sort(), bfl.names().sort());
    for (const s of specs) assert.deepEqual(bfl.entry(s.path).dims, s.shape, s.path);
  });

  test("the real FLUX VAE has 83,819,683 parameters", () => {
    // The SD VAE (z=4) encoder/decoder have 34,163,592 / 49,490,179; FLUX's 16 latent channels widen
    // encoder.conv_out by 24*512*9 + 24 and decoder.conv_in by 12*512*9.
    const model = new AutoEncoder(FLUX_VAE);
    assert.equal(parameterCount(model.encoder.parameters()), 34163592 + 24 * 512 * 9 + 24);
    assert.equal(parameterCount(model.decoder.parameters()), 49490179 + 12 * 512 * 9);
    assert.equal(parameterCount(model.parameters()), 83819683);
  });
});

describe("VAE key table", { skip: goldenSkip }, () => {
  test("reproduces every [bfl, diffusers, transform] row of the manifest's V1 key map, both ways", () => {
    const rows = manifest.configs.V1.diffusers_key_map;
    assert.equal(rows.length, 176);
    const mapper = vaeKeyMapper(GOLDEN_V1.chMult.length);
    for (const [b, d, transform] of rows) {
      const forward = mapper.map(b, "bfl");
      assert.equal(forward?.name, d, `${b} -> diffusers`);
      assert.equal(forward?.row.transform, transform, `${b} transform`);
      const backward = mapper.map(d, "diffusers");
      assert.equal(backward?.name, b, `${d} -> bfl`);
    }
  });

  test("unknown keys map to nothing; reversed levels stay in range", () => {
    const mapper = vaeKeyMapper(4);
    assert.equal(mapper.map("encoder.quant_conv.weight", "bfl"), undefined);
    assert.equal(mapper.map("decoder.up.4.block.0.conv1.weight", "bfl"), undefined);
    assert.equal(mapper.map("decoder.up_blocks.4.resnets.0.conv1.weight", "diffusers"), undefined);
    assert.equal(mapper.map("decoder.up.3.upsample.conv.bias", "bfl")?.name, "decoder.up_blocks.0.upsamplers.0.conv.bias");
  });

  test("the generic mapper binds several placeholders and checks repeated ones agree", () => {
    const m = new PatternKeyMapper([{ bfl: "a.{i}.b.{j}.c.{i}", diffusers: "x.{N-1-i}.y.{j}" }], { N: 10 });
    assert.equal(m.map("a.2.b.7.c.2", "bfl")?.name, "x.7.y.7");
    assert.equal(m.map("a.2.b.7.c.3", "bfl"), undefined);
    assert.equal(m.map("x.0.y.5", "diffusers")?.name, "a.9.b.5.c.9");
  });
});

describe("VAE layout detection and conversion", { skip: goldenSkip }, () => {
  test("BFL -> diffusers -> BFL is bit-exact, and the diffusers side has the manifest's names and squeezed shapes", async () => {
    const diffusers = await convertVae(bfl, "diffusers");
    const keyMap = manifest.configs.V1.diffusers_key_map;
    assert.deepEqual([...diffusers.keys()].sort(), keyMap.map((r) => r[1]).sort());
    for (const [b, d, transform] of keyMap) {
      const dims = (diffusers.get(d) as Tensor).dims;
      const want = bfl.entry(b).dims;
      assert.deepEqual(dims, transform === "squeeze_1x1" ? want.slice(0, 2) : want, d);
    }
    const source = memorySource(diffusers, "vae/diffusion_pytorch_model.safetensors");
    assert.deepEqual(vaeKeyFormat(source.names()), { layout: "diffusers", prefix: "" });
    const back = await convertVae(source, "bfl");
    assert.deepEqual([...back.keys()].sort(), bfl.names().sort());
    for (const name of bfl.names()) {
      const want = await bfl.read(name);
      const got = back.get(name) as Tensor;
      assert.equal(got.dtype, want.dtype, name);
      assert.deepEqual(got.dims, want.dims, name);
      assert.ok(bytes(got).equals(bytes(want)), `${name} bytes`);
    }
  });

  test("the BFL view of a diffusers source reports BFL dims and stored names", async () => {
    const view = vaeBflView(memorySource(await convertVae(bfl, "diffusers"), "d.safetensors"));
    assert.equal(view.layout, "diffusers");
    assert.equal(view.levels, 4);
    assert.deepEqual(view.entry("decoder.mid.attn_1.q.weight").dims, [64, 64, 1, 1]);
    assert.equal(view.storedName("decoder.up.0.block.1.conv2.bias"), "decoder.up_blocks.3.resnets.1.conv2.bias");
    assert.throws(() => view.entry("decoder.quant_conv.weight"), MissingTensorError);
  });

  test("prefixes of combined checkpoints are recognised", async () => {
    const prefixed = new Map<string, Tensor>();
    for (const name of bfl.names()) prefixed.set(`first_stage_model.${name}`, await bfl.read(name));
    prefixed.set("model.diffusion_model.img_in.weight", await bfl.read("encoder.conv_in.bias"));
    const view = vaeBflView(memorySource(prefixed));
    assert.deepEqual([view.layout, view.prefix], ["bfl", "first_stage_model."]);
    assert.equal(view.names().length, 176);
  });

  test("typed errors: not a VAE, extra Stable Diffusion tensors, a non-square attention weight", async () => {
    assert.throws(
      () => vaeKeyFormat(["img_in.weight", "double_blocks.0.img_attn.qkv.weight"], "flux.safetensors"),
      (e: unknown) => {
        assert.ok(e instanceof VaeLayoutError);
        assert.match(e.message, /flux\.safetensors is not a VAE checkpoint/);
        return true;
      },
    );
    const withQuant = new Map<string, Tensor>();
    for (const name of bfl.names()) withQuant.set(name, await bfl.read(name));
    withQuant.set("quant_conv.weight", await bfl.read("encoder.conv_in.bias"));
    assert.throws(
      () => vaeBflView(memorySource(withQuant, "sd-vae.safetensors")),
      (e: unknown) => {
        assert.ok(e instanceof VaeUnmappedTensorError);
        assert.match(e.message, /quant_conv\.weight/);
        assert.match(e.message, /Stable Diffusion VAE/);
        return true;
      },
    );
    const diffusers = await convertVae(bfl, "diffusers");
    diffusers.set("encoder.mid_block.attentions.0.to_q.weight", await bfl.read("encoder.conv_in.weight"));
    const view = vaeBflView(memorySource(diffusers, "bad.safetensors"));
    assert.throws(() => view.entry("encoder.mid.attn_1.q.weight"), ShapeMismatchError);
  });
});
