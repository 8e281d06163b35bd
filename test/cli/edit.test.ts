import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { icedit, recordingIO } from "./test-io.js";
import { demoEdit, editArgs, iceditWithRecord, useCliDemoModel } from "./fixtures.js";
import { readImage } from "../../src/image/index.js";
import { goldenFile, goldenSkip } from "../golden-paths.js";

/** A PNG header (signature + IHDR) claiming width x height, with no pixel data. */
function pngHeader(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const type = new TextEncoder().encode("IHDR");
  const crcInput = new Uint8Array([...type, ...ihdr]);
  let crc = 0xffffffff;
  for (const byte of crcInput) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  const chunk = new Uint8Array(12 + 13);
  const cv = new DataView(chunk.buffer);
  cv.setUint32(0, 13);
  chunk.set(type, 4);
  chunk.set(ihdr, 8);
  cv.setUint32(21, (crc ^ 0xffffffff) >>> 0);
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk]);
}

describe("icedit edit", () => {
  const demo = useCliDemoModel("icedit-edit-");

  it("edits an image with the demo model and writes the image and the record", async () => {
    const output = join(demo.dir, "out.webp");
    const args = demoEdit(demo.model, "make the sky green", "--steps", "2", "-o", output);
    const run = await iceditWithRecord<Record<string, unknown>>(args, join(demo.dir, "record.json"));
    assert.deepEqual(run.out, [output]);
    const edited = await readImage(output);
    assert.deepEqual(edited.dims, [384, 512, 3]);
    const json = run.json;
    assert.equal(json["instruction"], "make the sky green");
    assert.equal(json["seed"], 42);
    assert.equal(json["steps"], 2);
    assert.equal((json["model"] as { from: string }).from, "path");
    assert.ok((json["peakRssBytes"] as number) > 0);
    assert.match(run.err.join("\n"), /step 2\/2/);
    const adapters = (json["model"] as { adapters: { kind: string; matchedModules: number; scale: number }[] }).adapters;
    assert.deepEqual(
      adapters.map((a) => [a.kind, a.matchedModules, a.scale]),
      [["lora", 25, 1]],
      "the demo folder's own ICEdit LoRA by default",
    );
  });

  it("--true-cfg-scale runs true CFG: the record says so, and the image differs from the plain edit's", async () => {
    const plain = join(demo.dir, "plain.png");
    const guided = join(demo.dir, "guided.png");
    const common = ["--steps", "2", "--width", "64", "-q"];
    assert.equal((await icedit(demoEdit(demo.model, "make the sky green", ...common, "-o", plain))).code, 0);
    const args = demoEdit(
      demo.model,
      "make the sky green",
      ...common,
      "--true-cfg-scale",
      "3",
      "--negative-prompt",
      "a photo",
      "-o",
      guided,
    );
    const run = await iceditWithRecord<{ trueCfg?: unknown }>(args, join(demo.dir, "guided.json"));
    assert.deepEqual(run.json.trueCfg, { scale: 3, negativePrompt: "a photo" });
    assert.notDeepEqual((await readImage(plain)).data, (await readImage(guided)).data);
  });

  it("applies the adapters asked for: a MoE-LoRA at a scale, or none", async () => {
    type Adapters = { model: { adapters: { kind: string; topK: number; scale: number; experts: number }[] } };
    const moe = join(demo.model, "icedit-moe-lora", "ICEdit-MoE-LoRA.safetensors");
    const records: Adapters[] = [];
    for (const lora of [[`${moe}:0.5`, "--moe-top-k", "2"], ["none"]]) {
      const out = join(demo.dir, `lora-${records.length}.png`);
      const args = demoEdit(demo.model, "x", "--steps", "1", "--width", "128", "-o", out, "--lora", ...lora);
      records.push((await iceditWithRecord<Adapters>(args, join(demo.dir, `lora-${records.length}.json`))).json);
    }
    const [withMoe, without] = records;
    assert.deepEqual(
      withMoe?.model.adapters.map((a) => [a.kind, a.experts, a.topK, a.scale]),
      [["moe-lora", 4, 2, 0.5]],
    );
    assert.deepEqual(without?.model.adapters, []);
  });

  it("gives the same image for the same seed and another one for another seed", async () => {
    const a = join(demo.dir, "a.png");
    const b = join(demo.dir, "b.png");
    const c = join(demo.dir, "c.png");
    for (const [out, seed] of [
      [a, "5"],
      [b, "5"],
      [c, "6"],
    ] as const) {
      const run = await icedit(demoEdit(demo.model, "add a cat", "--steps", "1", "--width", "128", "--seed", seed, "-o", out, "-q"));
      assert.equal(run.code, 0, run.err.join("\n"));
    }
    assert.deepEqual((await readImage(a)).data, (await readImage(b)).data);
    assert.notDeepEqual((await readImage(a)).data, (await readImage(c)).data);
  });

  it("stops on Ctrl-C between steps and writes nothing", async () => {
    const output = join(demo.dir, "cancelled.png");
    const recorded = recordingIO();
    const original = recorded.io.err;
    const io = {
      ...recorded.io,
      err: (line: string) => {
        original(line);
        if (line.startsWith("step 1/")) recorded.interrupt();
      },
    };
    const run = await icedit(demoEdit(demo.model, "remove the house", "--steps", "5", "--width", "128", "-o", output), { ...recorded, io });
    assert.equal(run.code, 130);
    assert.match(run.err.join("\n"), /cancelled after step 1 of 5; nothing was written/);
    assert.equal(existsSync(output), false);
    assert.deepEqual(
      readdirSync(demo.dir).filter((f) => f.includes("cancelled")),
      [],
    );
  });

  describe("bad input", () => {
    const expectError = async (args: string[], pattern: RegExp, code = 1): Promise<void> => {
      const run = await icedit(args);
      assert.equal(run.code, code, `exit code for ${args.join(" ")}: ${run.err.join("\n")}`);
      assert.match(run.err.join("\n"), pattern);
    };

    it("a missing image file", async () => {
      await expectError(editArgs(demo.model, join(demo.dir, "nope.png"), "x"), /nope\.png.*(not found|does not exist|no such)/i);
    });

    it("a 0-byte file, a file that is not an image, a directory", async () => {
      const empty = join(demo.dir, "empty.png");
      await writeFile(empty, "");
      await expectError(editArgs(demo.model, empty, "x"), /empty/);
      const text = join(demo.dir, "notes.png");
      await writeFile(text, "this is not an image\n");
      await expectError(editArgs(demo.model, text, "x"), /not an image|unsupported|format/i);
      await expectError(editArgs(demo.model, demo.dir, "x"), /directory|not a (regular )?file/i);
    });

    it("an image whose header claims 30000x30000 pixels, refused before decoding", async () => {
      const huge = join(demo.dir, "huge.png");
      await writeFile(huge, pngHeader(30000, 30000));
      const start = performance.now();
      await expectError(editArgs(demo.model, huge, "x"), /30000.*30000/);
      assert.ok(performance.now() - start < 2000);
    });

    it("an empty instruction", async () => {
      await expectError(editArgs(demo.model, demo.image, "   "), /instruction is empty/);
    });

    it("a missing model folder and a folder without a component", async () => {
      await expectError(editArgs(join(demo.dir, "no-model"), demo.image, "x", "--offline"), /no-model.*not found|no such file or folder/);
      const broken = join(demo.dir, "broken");
      await mkdir(broken);
      for (const part of ["transformer", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "model_index.json"]) {
        await cp(join(demo.model, part), join(broken, part), { recursive: true });
      }
      await expectError(editArgs(broken, demo.image, "x"), /vae: missing/);
      await rename(join(broken, "text_encoder_2"), join(broken, "t5-elsewhere"));
      await expectError(
        editArgs(broken, demo.image, "x", "--vae", join(demo.model, "vae", "diffusion_pytorch_model.safetensors")),
        /text_encoder_2: missing/,
      );
    });

    it("a LoRA file that does not exist", async () => {
      await expectError(
        editArgs(demo.model, demo.image, "x", "--lora", join(demo.dir, "missing-lora.safetensors")),
        /LoRA .*missing-lora\.safetensors not found/,
      );
    });

    it("bad options: usage errors exit 2", async () => {
      await expectError(["edit", "--image", demo.image], /--instruction is required/, 2);
      await expectError(["edit", "--image", demo.image, "--instruction", "x", "--steps", "0"], /--steps takes a whole number >= 1/, 2);
      await expectError(["edit", "--image", demo.image, "--instruction", "x", "--width", "500"], /multiple of 16/, 2);
      await expectError(["edit", "--image", demo.image, "--instruction", "x", "-o", join(demo.dir, "out.bmp")], /\.png|extension/i);
      await expectError(["edit", "--image", demo.image, "--instruction", "x", "--frobnicate"], /frobnicate/, 2);
      const cfg = ["edit", "--image", demo.image, "--instruction", "x"];
      await expectError([...cfg, "--true-cfg-scale", "0.5"], /--true-cfg-scale takes a number >= 1 \(1: off; e\.g\. 2\.5\), got "0\.5"/, 2);
      // Whether true CFG is on may be the model's say (icedit.json), so this is known once the model opens.
      await expectError(demoEdit(demo.model, "x", "--negative-prompt", "blurry"), /negativePrompt is used by true CFG only/);
    });
  });
});

describe("icedit edit with a GGUF transformer", { skip: goldenSkip }, () => {
  const demo = useCliDemoModel("icedit-gguf-");
  it("uses a community GGUF file as --transformer, its Q8_0 blocks as they are with --quant int8", async () => {
    const gguf = goldenFile("weights/t1_gguf_q8_0.gguf");
    const { dir, model } = demo;
    const options = [
      "--steps",
      "1",
      "--width",
      "128",
      "--lora",
      "none",
      "--transformer",
      gguf,
      "--quant",
      "int8",
      "--cache-dir",
      join(dir, "converted"),
    ];
    const args = demoEdit(model, "x", ...options, "-o", join(dir, "out.png"));
    const { json } = await iceditWithRecord<{ model: { transformer: string }; quant: string }>(args, join(dir, "record.json"));
    assert.equal(json.model.transformer, gguf);
    assert.equal(json.quant, "int8");
  });
});
