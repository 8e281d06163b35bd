/**
 * train() drives full-parameter training through its `openRun` hook: a tiny FLUX Fill (384 input
 * channels = 64 latent + 320 conditioning, as the loop's batches have), a small in-memory data
 * set, a few AdamW steps; the loss falls and the saved file (the loop names it adapter.safetensors)
 * holds every transformer key, with the trained values.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { TrainingRun, TrainingRunRequest } from "../../../src/api/training-run.js";
import { train, type TrainEvent } from "../../../src/index.js";
import { Flux } from "../../../src/models/flux/model.js";
import type { FluxParams } from "../../../src/models/flux/params.js";
import { Engine } from "../../../src/runtime/engine.js";
import type { PreparedDataset } from "../../../src/train/loop/index.js";
import { baseWeightsMetadata, BaseTrainingStep, initialBaseWeights } from "../../../src/train/base/index.js";
import { lossAndGradsOf } from "../../../src/train/step/index.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { randT } from "../../onnx/helpers.js";
import { TINY } from "../tiny-flux.js";

const FILL_TINY: FluxParams = { ...TINY, inChannels: 384, outChannels: 64 };
const GRID = { rows: 2, cols: 2 };
const [L, T] = [GRID.rows * GRID.cols, 3];

function dataset(count: number): PreparedDataset {
  return {
    count,
    emptyPrompt: { txt: randT([T, FILL_TINY.contextInDim], 90), y: randT([FILL_TINY.vecInDim], 91) },
    get: async (i: number) => ({
      x0: randT([L, 64], 100 + i),
      imgCond: randT([L, 320], 200 + i),
      txt: randT([T, FILL_TINY.contextInDim], 300 + i),
      y: randT([FILL_TINY.vecInDim], 400 + i),
      origin: `example ${i}`,
    }),
  };
}

async function openBaseRun(request: TrainingRunRequest, released: { count: number }): Promise<TrainingRun> {
  const engine = new Engine();
  const step = await BaseTrainingStep.open(engine, { params: FILL_TINY, checkpointing: request.checkpointing, seed: request.seed });
  return {
    dataset: dataset(2),
    lossAndGrads: lossAndGradsOf(step, GRID),
    initialParams: step.initialWeights,
    adapterMetadata: baseWeightsMetadata(FILL_TINY),
    fingerprint: { model: "tiny flux fill from scratch", data: "two random examples" },
    release: async () => {
      released.count++;
      await step.release();
      await engine.close();
    },
  };
}

describe("train() with a base training run", () => {
  test("a few AdamW steps through the loop; the saved file has every transformer key, trained", async (t) => {
    const out = await mkdtemp(join(tmpdir(), "icedit-base-train-"));
    t.after(() => rm(out, { recursive: true, force: true }));
    const released = { count: 0 };
    const events: TrainEvent[] = [];
    const result = await train({
      out,
      data: ["in-memory"],
      steps: 6,
      saveEvery: 6,
      optimizer: "adamw",
      lr: 1e-3,
      gradAccum: 1,
      textDropout: 0,
      seed: 3,
      openRun: (request) => openBaseRun(request, released),
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.completed, true);
    assert.equal(released.count, 1);
    const losses = events.flatMap((e) => (e.kind === "step" ? [e.loss] : []));
    assert.equal(losses.length, 6);
    assert.ok(losses.every(Number.isFinite));

    const initial = initialBaseWeights(FILL_TINY, 3);
    assert.equal(result.adapterPath, join(out, "adapter.safetensors"));
    const saved = await openSafetensors(join(out, "adapter.safetensors"));
    try {
      const keys = new Flux(FILL_TINY).parameters().map((p) => p.path);
      assert.deepEqual([...saved.names()].sort(), [...keys].sort());
      let changed = 0;
      for (const key of keys) {
        const w = await saved.readF32(key);
        assert.deepEqual(w.dims, initial.get(key)?.dims);
        if (w.data.some((v, i) => v !== initial.get(key)?.data[i])) changed++;
      }
      assert.equal(changed, keys.length, "every weight moved");
    } finally {
      await saved.close();
    }
  });
});
