import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile, rename, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { icedit, recordingIO } from "./test-io.js";
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
  let dir: string;
  let model: string;
  let image: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-edit-"));
    model = join(dir, "demo");
    const made = await icedit(["make-demo-model", model]);
    assert.equal(made.code, 0, made.err.join("\n"));
    image = join(model, "example.png");
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("edits an image with the demo model and writes the image and the record", async () => {
    const output = join(dir, "out.webp");
    const record = join(dir, "record.json");
    const run = await icedit([
      "edit",
      "--model",
      model,
      "--image",
      image,
      "--instruction",
      "make the sky green",
      "--steps",
      "2",
      "-o",
      output,
      "--json",
      record,
    ]);
    assert.equal(run.code, 0, run.err.join("\n"));
    assert.deepEqual(run.out, [output]);
    const edited = await readImage(output);
    assert.deepEqual(edited.dims, [384, 512, 3]);
    const json = JSON.parse(await readFile(record, "utf8")) as Record<string, unknown>;
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

  it("applies the adapters asked for: a MoE-LoRA at a scale, or none", async () => {
    const moe = join(model, "icedit-moe-lora", "ICEdit-MoE-LoRA.safetensors");
    const outputs: string[] = [];
    for (const lora of [[`${moe}:0.5`, "--moe-top-k", "2"], ["none"]]) {
      const out = join(dir, `lora-${outputs.length}.png`);
      const record = join(dir, `lora-${outputs.length}.json`);
      const run = await icedit([
        "edit",
        "--model",
        model,
        "--image",
        image,
        "--instruction",
        "x",
        "--steps",
        "1",
        "-o",
        out,
        "--json",
        record,
        "--lora",
        ...lora,
      ]);
      assert.equal(run.code, 0, run.err.join("\n"));
      outputs.push(await readFile(record, "utf8"));
    }
    const [withMoe, without] = outputs.map(
      (o) => JSON.parse(o) as { model: { adapters: { kind: string; topK: number; scale: number; experts: number }[] } },
    );
    assert.deepEqual(
      withMoe?.model.adapters.map((a) => [a.kind, a.experts, a.topK, a.scale]),
      [["moe-lora", 4, 2, 0.5]],
    );
    assert.deepEqual(without?.model.adapters, []);
  });

  it("gives the same image for the same seed and another one for another seed", async () => {
    const a = join(dir, "a.png");
    const b = join(dir, "b.png");
    const c = join(dir, "c.png");
    for (const [out, seed] of [
      [a, "5"],
      [b, "5"],
      [c, "6"],
    ] as const) {
      const run = await icedit([
        "edit",
        "--model",
        model,
        "--image",
        image,
        "--instruction",
        "add a cat",
        "--steps",
        "1",
        "--seed",
        seed,
        "-o",
        out,
        "-q",
      ]);
      assert.equal(run.code, 0, run.err.join("\n"));
    }
    assert.deepEqual((await readImage(a)).data, (await readImage(b)).data);
    assert.notDeepEqual((await readImage(a)).data, (await readImage(c)).data);
  });

  it("stops on Ctrl-C between steps and writes nothing", async () => {
    const output = join(dir, "cancelled.png");
    const recorded = recordingIO();
    const original = recorded.io.err;
    const io = {
      ...recorded.io,
      err: (line: string) => {
        original(line);
        if (line.startsWith("step 1/")) recorded.interrupt();
      },
    };
    const run = await icedit(
      ["edit", "--model", model, "--image", image, "--instruction", "remove the house", "--steps", "5", "-o", output],
      { ...recorded, io },
    );
    assert.equal(run.code, 130);
    assert.match(run.err.join("\n"), /cancelled after step 1 of 5; nothing was written/);
    assert.equal(existsSync(output), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes("cancelled")),
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
      await expectError(
        ["edit", "--model", model, "--image", join(dir, "nope.png"), "--instruction", "x"],
        /nope\.png.*(not found|does not exist|no such)/i,
      );
    });

    it("a 0-byte file, a file that is not an image, a directory", async () => {
      const empty = join(dir, "empty.png");
      await writeFile(empty, "");
      await expectError(["edit", "--model", model, "--image", empty, "--instruction", "x"], /empty/);
      const text = join(dir, "notes.png");
      await writeFile(text, "this is not an image\n");
      await expectError(["edit", "--model", model, "--image", text, "--instruction", "x"], /not an image|unsupported|format/i);
      await expectError(["edit", "--model", model, "--image", dir, "--instruction", "x"], /directory|not a (regular )?file/i);
    });

    it("an image whose header claims 30000x30000 pixels, refused before decoding", async () => {
      const huge = join(dir, "huge.png");
      await writeFile(huge, pngHeader(30000, 30000));
      const start = performance.now();
      await expectError(["edit", "--model", model, "--image", huge, "--instruction", "x"], /30000.*30000/);
      assert.ok(performance.now() - start < 2000);
    });

    it("an empty instruction", async () => {
      await expectError(["edit", "--model", model, "--image", image, "--instruction", "   "], /instruction is empty/);
    });

    it("a missing model folder and a folder without a component", async () => {
      await expectError(
        ["edit", "--model", join(dir, "no-model"), "--image", image, "--instruction", "x", "--offline"],
        /no-model.*not found|no such file or folder/,
      );
      const broken = join(dir, "broken");
      await mkdir(broken);
      for (const part of ["transformer", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "model_index.json"]) {
        await (await import("node:fs/promises")).cp(join(model, part), join(broken, part), { recursive: true });
      }
      await expectError(["edit", "--model", broken, "--image", image, "--instruction", "x"], /vae: missing/);
      await rename(join(broken, "text_encoder_2"), join(broken, "t5-elsewhere"));
      await expectError(
        [
          "edit",
          "--model",
          broken,
          "--image",
          image,
          "--instruction",
          "x",
          "--vae",
          join(model, "vae", "diffusion_pytorch_model.safetensors"),
        ],
        /text_encoder_2: missing/,
      );
    });

    it("a LoRA file that does not exist", async () => {
      await expectError(
        ["edit", "--model", model, "--image", image, "--instruction", "x", "--lora", join(dir, "missing-lora.safetensors")],
        /LoRA .*missing-lora\.safetensors not found/,
      );
    });

    it("bad options: usage errors exit 2", async () => {
      await expectError(["edit", "--image", image], /--instruction is required/, 2);
      await expectError(["edit", "--image", image, "--instruction", "x", "--steps", "0"], /--steps takes a whole number >= 1/, 2);
      await expectError(["edit", "--image", image, "--instruction", "x", "--width", "500"], /multiple of 16/, 2);
      await expectError(["edit", "--image", image, "--instruction", "x", "-o", join(dir, "out.bmp")], /\.png|extension/i);
      await expectError(["edit", "--image", image, "--instruction", "x", "--frobnicate"], /frobnicate/, 2);
    });
  });
});

describe("icedit edit with a GGUF transformer", { skip: goldenSkip }, () => {
  it("uses a community GGUF file as --transformer, its Q8_0 blocks as they are with --quant int8", async () => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-gguf-"));
    try {
      const model = join(dir, "demo");
      assert.equal((await icedit(["make-demo-model", model])).code, 0);
      const gguf = goldenFile("weights/t1_gguf_q8_0.gguf");
      const record = join(dir, "record.json");
      const run = await icedit([
        "edit",
        "--model",
        model,
        "--image",
        join(model, "example.png"),
        "--instruction",
        "x",
        "--steps",
        "1",
        "--lora",
        "none",
        "--transformer",
        gguf,
        "--quant",
        "int8",
        "--cache-dir",
        join(dir, "converted"),
        "-o",
        join(dir, "out.png"),
        "--json",
        record,
      ]);
      assert.equal(run.code, 0, run.err.join("\n"));
      const json = JSON.parse(await readFile(record, "utf8")) as { model: { transformer: string }; quant: string };
      assert.equal(json.model.transformer, gguf);
      assert.equal(json.quant, "int8");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
