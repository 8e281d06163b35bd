import assert from "node:assert/strict";
import { mkdir, readdir, rm, truncate, readFile, writeFile, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, before, after } from "node:test";
import { openModel, type OpenedModel } from "../../../src/api/open-model.js";
import { CancelledError } from "../../../src/pipelines/fill/errors.js";
import { BFL_CONVENTIONS } from "../../../src/pipelines/fill/conventions.js";
import { checkPixels, imageToTensor } from "../../../src/pipelines/fill/pixels.js";
import { prepareFill } from "../../../src/pipelines/fill/prepare.js";
import { icPrompt } from "../../../src/pipelines/icedit/prompt.js";
import { packLatents } from "../../../src/sampling/packing.js";
import type { Tensor } from "../../../src/tensor.js";
import {
  DROPPED_PROMPT,
  encodersOf,
  openTrainingData,
  prepareExamples,
  PrepareExamplesError,
  trainingDiptych,
  type ExampleEncoders,
  type PreparedDataset,
  type TrainingData,
} from "../../../src/train/data/index.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { useDemoModel } from "../../api/fixtures.js";
import { patterned, writeMetadata, writePng } from "./fixtures.js";

const SIZE = 32;
/** (32/16) x (64/16) tokens. */
const TOKENS = 8;

interface Spied {
  readonly encoders: ExampleEncoders;
  readonly calls: { vae: number; text: string[] };
}

/** Fresh encoders of the model (no in-memory text cache carried over), counting every VAE and text-encoder run. */
async function spiedEncoders(opened: OpenedModel, fingerprint?: string): Promise<Spied> {
  const encoders = await encodersOf(opened);
  const calls = { vae: 0, text: [] as string[] };
  const vae = Object.create(encoders.vae) as typeof encoders.vae;
  vae.encode = (image) => {
    calls.vae++;
    return encoders.vae.encode(image);
  };
  const text = Object.create(encoders.text) as typeof encoders.text;
  text.encode = (prompt) => {
    calls.text.push(prompt);
    return encoders.text.encode(prompt);
  };
  return { encoders: { vae, text, fingerprint: fingerprint ?? encoders.fingerprint }, calls };
}

async function cacheFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(".safetensors")).map((n) => join(dir, n));
}

/** The cache file written for the example whose origin ends with `suffix`. */
async function entryOf(dir: string, suffix: string): Promise<string> {
  for (const path of await cacheFiles(dir)) {
    const source = await openSafetensors(path);
    const origin = source.metadata()["origin"] ?? "";
    await source.close();
    if (origin.endsWith(suffix)) return path;
  }
  throw new Error(`no cache entry for ${suffix}`);
}

function same(a: Tensor<"f32">, b: Tensor<"f32">, what: string): void {
  assert.deepEqual(a.dims, b.dims, `${what} dims`);
  assert.deepEqual(
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    `${what} values`,
  );
}

async function allExamples(prepared: PreparedDataset) {
  const out = [];
  for (let i = 0; i < prepared.count; i++) out.push(await prepared.get(i));
  return out;
}

describe("prepareExamples: the encoded-example cache on the demo model", () => {
  const demo = useDemoModel("icedit-data-prepare-");
  let opened: OpenedModel;
  let data: TrainingData;
  let folder: string;

  before(async () => {
    opened = await openModel({ model: demo.model, loras: [], convertedCacheDir: null, precision: "f32" });
    folder = join(demo.dir, "data");
    await writePng(join(folder, "a.png"), patterned(32, 32, 1));
    await writePng(join(folder, "a_edit.png"), patterned(32, 32, 90));
    await writePng(join(folder, "b.png"), patterned(40, 24, 7));
    await writePng(join(folder, "b_edit.png"), patterned(40, 24, 60));
    await writeMetadata(folder, [
      { source: "a.png", target: "a_edit.png", instruction: "make it blue" },
      { source: "a.png", target: "missing.png", instruction: "skipped" },
      { source: "b.png", target: "b_edit.png", instruction: "add a boat" },
    ]);
    data = await openTrainingData([folder]);
  });
  after(async () => {
    await opened?.models.release();
    await opened?.engine.close();
  });

  it('encodes each usable example once, as the edit pipeline would, and the dropped prompt " "', async () => {
    const cacheDir = join(demo.dir, "cache-values");
    const { encoders, calls } = await spiedEncoders(opened);
    const progress: number[] = [];
    const prepared = await prepareExamples(encoders, data, { size: SIZE, cacheDir, onProgress: (p) => progress.push(p.done) });
    assert.equal(prepared.count, 2, "the example with a missing file is left out");
    assert.equal(prepared.skipped.byReason["missing-file"], 1);
    assert.deepEqual(prepared.stats, { cached: 0, encoded: 2 });
    assert.deepEqual(progress, [1, 2, 3]);
    assert.equal(calls.vae, 4, "two VAE runs per example: the diptych and the masked diptych");
    assert.equal(DROPPED_PROMPT, " ", "the reference's dropped text: the whole prompt, template included, becomes one space");
    assert.deepEqual(calls.text, [icPrompt("make it blue"), icPrompt("add a boat"), " "]);

    const [a, b] = await allExamples(prepared);
    assert.ok(a && b);
    assert.deepEqual(a.x0.dims, [TOKENS, 64]);
    assert.deepEqual(a.imgCond.dims, [TOKENS, 320]);
    assert.equal(a.txt.dims.length, 2);
    assert.equal(a.y.dims.length, 1);
    assert.match(b.origin, /metadata\.jsonl:3$/);

    // The mask part of imgCond in closed form: 256 channels per token, all 1 on the right half (token column >= 2), 0 on the left.
    for (let t = 0; t < TOKENS; t++) {
      const right = t % 4 >= 2;
      for (let c = 64; c < 320; c++) assert.equal(a.imgCond.data[t * 320 + c], right ? 1 : 0, `mask channel ${c} of token ${t}`);
    }
    // Exactly what inference computes for this diptych and mask: the fill conditioning (posterior mean) and the packed latent.
    const triplet = await data.get(2);
    assert.ok(triplet);
    const diptych = await trainingDiptych(triplet.source, triplet.target, SIZE);
    const fill = await prepareFill(opened.models.vae, checkPixels(diptych.image, diptych.mask), BFL_CONVENTIONS, () => {
      throw new Error("no draw");
    });
    assert.deepEqual(Array.from(b.imgCond.data), Array.from(fill.imgCond.data));
    const clean = await opened.models.vae.encode(imageToTensor(diptych.image));
    assert.deepEqual(Array.from(b.x0.data), Array.from(packLatents(clean.latent).data));
    assert.notDeepEqual(Array.from(b.x0.data.subarray(0, 64)), Array.from(b.imgCond.data.subarray(0, 64)).fill(0), "x0 is not empty");
    const text = await encoders.text.encode(" ");
    assert.deepEqual(Array.from(prepared.emptyPrompt.txt.data), Array.from(text.embedding.txt.data));
    assert.deepEqual(Array.from(prepared.emptyPrompt.y.data), Array.from(text.embedding.y.data));
    assert.notDeepEqual(Array.from(prepared.emptyPrompt.y.data), Array.from(a.y.data));

    assert.deepEqual(prepared.imgIds.dims, [TOKENS, 3]);
    assert.deepEqual(Array.from(prepared.imgIds.data.subarray(5 * 3, 6 * 3)), [0, 1, 1], "token 5 is row 1, column 1");
    assert.deepEqual(prepared.txtIds.dims, [a.txt.dims[0], 3]);
    assert.ok(prepared.txtIds.data.every((v) => v === 0));
  });

  it("reads the cache on a second run (no VAE or text encoder run) and gives the same tensors", async () => {
    const cacheDir = join(demo.dir, "cache-reuse");
    const first = await spiedEncoders(opened);
    const one = await prepareExamples(first.encoders, data, { size: SIZE, cacheDir });
    const before = await allExamples(one);
    assert.equal((await cacheFiles(cacheDir)).length, 3, "two examples and the dropped prompt");

    const second = await spiedEncoders(opened);
    const two = await prepareExamples(second.encoders, data, { size: SIZE, cacheDir });
    assert.deepEqual(two.stats, { cached: 2, encoded: 0 });
    const after = await allExamples(two);
    assert.equal(second.calls.vae, 0);
    assert.deepEqual(second.calls.text, []);
    for (const [i, e] of after.entries()) {
      const was = before[i];
      assert.ok(was);
      same(e.x0, was.x0, `x0 ${i}`);
      same(e.imgCond, was.imgCond, `imgCond ${i}`);
      same(e.txt, was.txt, `txt ${i}`);
      same(e.y, was.y, `y ${i}`);
    }
    same(two.emptyPrompt.txt, one.emptyPrompt.txt, "dropped prompt txt");

    // Another size, or other weights, are other entries.
    const resized = await spiedEncoders(opened);
    const bigger = await prepareExamples(resized.encoders, data, { size: 48, cacheDir });
    assert.deepEqual(bigger.stats, { cached: 0, encoded: 2 });
    assert.deepEqual((await bigger.get(0)).x0.dims, [3 * 6, 64]);
    const otherWeights = await spiedEncoders(opened, "other weights");
    assert.deepEqual((await prepareExamples(otherWeights.encoders, data, { size: SIZE, cacheDir })).stats, { cached: 0, encoded: 2 });
    assert.equal(otherWeights.calls.text.length, 3, "the dropped prompt too");
  });

  it("recomputes a truncated entry, an entry whose bytes changed, and one removed after preparing", async () => {
    const cacheDir = join(demo.dir, "cache-damage");
    const clean = await prepareExamples((await spiedEncoders(opened)).encoders, data, { size: SIZE, cacheDir });
    const reference = await clean.get(0);

    // Both found before either is damaged (entryOf opens every entry).
    const truncated = await entryOf(cacheDir, ":1");
    const flipped = await entryOf(cacheDir, ":3");
    await truncate(truncated, (await stat(truncated)).size - 100);
    const bytes = await readFile(flipped);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0x40;
    await writeFile(flipped, bytes);

    const spied = await spiedEncoders(opened);
    const reasons: string[] = [];
    const redone = await prepareExamples(spied.encoders, data, {
      size: SIZE,
      cacheDir,
      onRecompute: (origin, why) => reasons.push(`${origin.slice(-2)} ${why}`),
    });
    assert.deepEqual(redone.stats, { cached: 0, encoded: 2 });
    assert.equal(spied.calls.vae, 4);
    assert.equal(reasons.length, 2, reasons.join("\n"));
    assert.match(reasons[0] ?? "", /^:1 unreadable/);
    assert.match(reasons[1] ?? "", /^:3 the tensor bytes do not match their recorded SHA-256/);
    same((await redone.get(0)).x0, reference.x0, "the recomputed x0");

    const checked = await spiedEncoders(opened);
    assert.deepEqual(
      (await prepareExamples(checked.encoders, data, { size: SIZE, cacheDir })).stats,
      { cached: 2, encoded: 0 },
      "rewritten whole",
    );

    await rm(await entryOf(cacheDir, ":1"));
    const before = checked.calls.vae;
    const again = await prepareExamples(checked.encoders, data, { size: SIZE, cacheDir });
    assert.deepEqual(again.stats, { cached: 1, encoded: 1 });
    assert.equal(checked.calls.vae - before, 2, "prepare recomputes the removed entry");
  });

  it("removes temp files of writes that died an hour ago or more, and keeps newer ones", async () => {
    const cacheDir = join(demo.dir, "cache-temps");
    await mkdir(cacheDir, { recursive: true });
    const temp = (pid: number) => join(cacheDir, `.${"ab".repeat(32)}.safetensors.${pid}.0a1b2c3d.tmp`);
    await writeFile(temp(1), "partial");
    await writeFile(temp(2), "partial");
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(temp(1), old, old);
    await prepareExamples((await spiedEncoders(opened)).encoders, data, { size: SIZE, cacheDir });
    const names = await readdir(cacheDir);
    assert.ok(!names.some((n) => n.includes(".1.0a1b2c3d.tmp")), "the old temp file is gone");
    assert.ok(
      names.some((n) => n.includes(".2.0a1b2c3d.tmp")),
      "a recent one may belong to a running write",
    );
  });

  it("fingerprints the VAE and text-encoder weight files: touching one changes the key", async () => {
    const before = (await encodersOf(opened)).fingerprint;
    assert.equal((await encodersOf(opened)).fingerprint, before, "stable while nothing changes");
    assert.match(before, /vae/);
    assert.match(before, /text_encoder_2/);
    const t5Files = (await readdir(join(demo.model, "text_encoder_2"))).filter((n) => n.endsWith(".safetensors"));
    assert.ok(t5Files.length > 0);
    const later = new Date(Date.now() + 60_000);
    await utimes(join(demo.model, "text_encoder_2", t5Files[0] as string), later, later);
    assert.notEqual((await encodersOf(opened)).fingerprint, before);
  });

  it("get() recomputes an entry that went missing after preparing", async () => {
    const cacheDir = join(demo.dir, "cache-get");
    const spied = await spiedEncoders(opened);
    const prepared = await prepareExamples(spied.encoders, data, { size: SIZE, cacheDir });
    const reference = await prepared.get(1);
    await rm(await entryOf(cacheDir, ":3"));
    const before = spied.calls.vae;
    same((await prepared.get(1)).imgCond, reference.imgCond, "recomputed imgCond");
    assert.equal(spied.calls.vae - before, 2);
  });

  it("stores bf16 on request: half the bytes, values rounded to bf16, the same from a fresh run and from the cache", async () => {
    const f32Dir = join(demo.dir, "cache-f32");
    const bf16Dir = join(demo.dir, "cache-bf16");
    const full = await allExamples(await prepareExamples((await spiedEncoders(opened)).encoders, data, { size: SIZE, cacheDir: f32Dir }));
    const fresh = await allExamples(
      await prepareExamples((await spiedEncoders(opened)).encoders, data, { size: SIZE, cacheDir: bf16Dir, storage: "bf16" }),
    );
    const spied = await spiedEncoders(opened);
    const cachedRun = await prepareExamples(spied.encoders, data, { size: SIZE, cacheDir: bf16Dir, storage: "bf16" });
    assert.deepEqual(cachedRun.stats, { cached: 2, encoded: 0 });
    const cached = await allExamples(cachedRun);
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    for (const [i, e] of fresh.entries()) {
      const f = full[i];
      const c = cached[i];
      assert.ok(f && c);
      same(c.txt, e.txt, `cached txt ${i}`);
      same(c.x0, e.x0, `cached x0 ${i}`);
      for (let k = 0; k < f.x0.data.length; k++) {
        asFloat[0] = e.x0.data[k] as number;
        assert.equal((bits[0] as number) & 0xffff, 0, "a bf16 value has no low mantissa bits");
        const exact = f.x0.data[k] as number;
        assert.ok(Math.abs((e.x0.data[k] as number) - exact) <= Math.abs(exact) * 2 ** -8, `x0[${k}] within bf16 rounding`);
      }
    }
    const size = async (dir: string) => (await Promise.all((await cacheFiles(dir)).map((p) => stat(p)))).reduce((n, s) => n + s.size, 0);
    const ratio = (await size(bf16Dir)) / (await size(f32Dir));
    assert.ok(ratio > 0.45 && ratio < 0.6, `bf16 entries take about half the bytes (ratio ${ratio})`);
  });

  it("refuses a size that is not a multiple of 16, stops when aborted, and says when no example is usable", async () => {
    const { encoders } = await spiedEncoders(opened);
    const cacheDir = join(demo.dir, "cache-refuse");
    await assert.rejects(prepareExamples(encoders, data, { size: 24, cacheDir }), PrepareExamplesError);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(prepareExamples(encoders, data, { size: SIZE, cacheDir, signal: controller.signal }), CancelledError);
    const bad = join(demo.dir, "all-bad");
    await writeMetadata(bad, [{ source: "x.png", target: "y.png", instruction: "nothing here" }]);
    await assert.rejects(
      prepareExamples(encoders, await openTrainingData([bad]), { size: SIZE, cacheDir }),
      (e: unknown) => e instanceof PrepareExamplesError && /none of the 1 examples/.test(e.message),
    );
  });
});
