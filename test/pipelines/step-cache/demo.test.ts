/**
 * Step caching and the T5 length on the trained demo model with its LoRA-MoE adapter: off or at
 * threshold 0 the edit is the uncached one; a huge threshold skips every step but the first and
 * the last; noise selection caches per candidate; the record keeps the cache and the text length.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDemoModel } from "../../../src/demo/make-demo-model.js";
import { exampleImage } from "../../../src/demo/example-image.js";
import { Engine } from "../../../src/runtime/engine.js";
import { openFluxFillFolder } from "../../../src/weights/hub/model-folder.js";
import { loadIceditModels, type IceditModels } from "../../../src/components/icedit-models.js";
import { MemoryEmbeddingCache, TextConditioner } from "../../../src/components/text/conditioning.js";
import { editImage, type EditModels } from "../../../src/pipelines/icedit/edit.js";
import { icPrompt } from "../../../src/pipelines/icedit/prompt.js";
import { fill, type FillRequest } from "../../../src/pipelines/fill/fill.js";
import { makeDiptych } from "../../../src/image/diptych.js";
import { fillWithNoiseSelection } from "../../../src/pipelines/noise-selection/index.js";
import { resolveEditOptions } from "../../../src/api/edit-options.js";
import type { Judge } from "../../../src/vlm/index.js";
import type { Tensor } from "../../../src/tensor.js";

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Always prefers the second image. */
const second: Judge = {
  async probe() {},
  async compare() {
    return { choice: 2, raw: "second", ms: 0, retried: false };
  },
};

describe("step caching on the demo model (LoRA-MoE)", () => {
  let dir: string;
  let engine: Engine;
  let loaded: IceditModels;
  let models: EditModels;
  let source: Tensor<"u8">;
  let request: FillRequest;
  const instruction = "remove the yellow circle";
  const steps = 6;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-step-cache-"));
    const demo = join(dir, "demo");
    await makeDemoModel(demo);
    engine = new Engine();
    const moe = join(demo, "icedit-moe-lora", "ICEdit-MoE-LoRA.safetensors");
    loaded = await loadIceditModels(engine, await openFluxFillFolder(demo), { adapters: [{ spec: moe, file: moe, scale: 1 }] });
    models = { transformer: loaded.transformer, vae: loaded.vae, text: new TextConditioner(loaded.text, new MemoryEmbeddingCache()) };
    source = exampleImage(64, 64);
    const diptych = makeDiptych(source);
    const text = await models.text.encode(icPrompt(instruction));
    request = { image: diptych.image, mask: diptych.mask, txt: text.embedding.txt, y: text.embedding.y };
  });
  after(async () => {
    await loaded.release();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("threshold 0 skips nothing and gives the uncached edit; a huge one skips all but the first and last step", async () => {
    assert.equal(loaded.transformer.adapters[0]?.kind, "moe-lora");
    const options = { seed: 3, steps, guidance: 1 };
    const plain = await fill(models, request, options);
    assert.equal(plain.record.cache, undefined, "no cache, no cache record");
    for (const kind of ["fbcache", "teacache"] as const) {
      const exact = await fill(models, request, { ...options, cache: { kind, threshold: 0 } });
      assert.deepEqual(exact.record.cache, { kind, threshold: 0, skippedSteps: [] });
      const drift = maxAbsDiff(exact.latent.data, plain.latent.data);
      assert.ok(drift <= 1e-5, `${kind}:0 differs from the uncached fill by ${drift}`);
      const all = await fill(models, request, { ...options, cache: { kind, threshold: 1e9 } });
      assert.deepEqual(all.record.cache?.skippedSteps, [2, 3, 4, 5]);
      assert.ok(all.latent.data.every(Number.isFinite));
      assert.ok(maxAbsDiff(all.latent.data, plain.latent.data) > 1e-4, "skipping changes the result");
    }
  });

  it("noise selection caches per candidate: the winner goes on with its own cache; threshold 0 is the uncached selection", async () => {
    const base = { seeds: [1, 2, 3], steps, earlySteps: 3, guidance: 1, judge: second, instruction, original: source } as const;
    const plain = await fillWithNoiseSelection(models, request, base);
    const exact = await fillWithNoiseSelection(models, request, { ...base, cache: { kind: "fbcache", threshold: 0 } });
    assert.equal(exact.tournament.winner, plain.tournament.winner);
    assert.ok(maxAbsDiff(exact.latent.data, plain.latent.data) <= 1e-5);
    const all = await fillWithNoiseSelection(models, request, { ...base, cache: { kind: "teacache", threshold: 1e9 } });
    assert.deepEqual(all.record.cache?.skippedSteps, [2, 3, 4, 5], "early skips (2, 3), then the winner's own (4, 5)");
    // The same candidates one per batch decide the same as in one batch of three.
    const cache = { kind: "fbcache", threshold: 0.05 } as const;
    const batched = await fillWithNoiseSelection(models, request, { ...base, cache });
    const single = await fillWithNoiseSelection(models, request, { ...base, cache, batchSize: 1 });
    assert.deepEqual(batched.record.cache, single.record.cache);
    assert.ok(maxAbsDiff(batched.latent.data, single.latent.data) <= 1e-4);
  });

  it("an edit keeps the cache and the T5 length in its record; the text is padded or cut to maxTextTokens", async () => {
    const settings = resolveEditOptions({ seed: 5, steps, guidance: 1, width: 64, cache: "fbcache:0.2", maxTextTokens: 16 });
    const { record } = await editImage(models, source, instruction, settings);
    assert.equal(record.textTokens, 16);
    assert.equal(record.fill.cache?.kind, "fbcache");
    assert.equal(record.fill.cache?.threshold, 0.2);
    const short = await models.text.encode(icPrompt(instruction), { t5Length: 16 });
    assert.deepEqual(short.embedding.txt.dims.slice(0, 2), [1, 16]);
    assert.ok(
      short.truncations.some((t) => t.encoder === "t5"),
      "the IC prompt is longer than 16 T5 tokens",
    );
    const long = await models.text.encode(icPrompt(instruction), { t5Length: 100 });
    assert.deepEqual(long.embedding.txt.dims.slice(0, 2), [1, 100]);
    const plain = await editImage(models, source, instruction, resolveEditOptions({ seed: 5, steps, guidance: 1, width: 64 }));
    assert.equal(plain.record.textTokens, loaded.text.t5Tokenizer.maxLength, "the model's length by default");
    assert.equal(plain.record.fill.cache, undefined);
  });
});
