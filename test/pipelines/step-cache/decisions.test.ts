/**
 * StepCache's decisions on a scripted transformer whose stages return chosen tensors, so that
 * every change and residual is known: which steps skip, what a skipped step outputs, and how a
 * batch's samples decide apart.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FluxTransformer, StageStreams } from "../../../src/components/flux/transformer.js";
import type { FluxCall } from "../../../src/models/flux/inputs.js";
import { StepCache } from "../../../src/pipelines/step-cache/step-cache.js";
import { teacacheRescale } from "../../../src/pipelines/step-cache/metrics.js";
import { tensor, type Tensor } from "../../../src/tensor.js";

const L = 2;
const D = 2;

/**
 * Stages of a toy transformer. Per sample b at step s (the call's timestep carries s):
 * embed img = e(b, s), imgMod = mod(b, s); first adds first(b, s); rest adds 10 + s; final is the identity.
 * `log` records which stage ran on which samples.
 */
function scripted(script: {
  readonly e?: (b: number, s: number) => number;
  readonly mod: (b: number, s: number) => number;
  readonly first: (b: number, s: number) => number;
}): { transformer: FluxTransformer; log: string[] } {
  const log: string[] = [];
  const fill = (batch: number, value: (b: number) => number, per = L * D): Tensor<"f32"> => {
    const data = new Float32Array(batch * per);
    for (let b = 0; b < batch; b++) data.fill(value(b), b * per, (b + 1) * per);
    return tensor("f32", [batch, L, D], data);
  };
  // Samples are tracked through the stages by vec = [sample index, step].
  const who = (s: StageStreams): Array<[number, number]> =>
    Array.from({ length: s.vec.dims[0] as number }, (_, i) => [s.vec.data[2 * i] as number, s.vec.data[2 * i + 1] as number]);
  const fake = {
    async embed(call: FluxCall) {
      const batch = call.img.dims[0] as number;
      const step = call.timesteps.data[0] as number;
      log.push(`embed ${batch}`);
      const vec = tensor(
        "f32",
        [batch, 2],
        Float32Array.from({ length: 2 * batch }, (_, i) => (i % 2 === 0 ? i / 2 : step)),
      );
      const streams: StageStreams = {
        img: fill(batch, (b) => (script.e ? script.e(b, step) : 1)),
        txt: fill(batch, () => 0),
        vec,
        peCos: fill(batch, () => 0),
        peSin: fill(batch, () => 0),
      };
      return { streams, imgMod: fill(batch, (b) => script.mod(b, step)), ms: 0 };
    },
    async blocks(stage: "first" | "rest", s: StageStreams) {
      const ids = who(s);
      log.push(`${stage} ${ids.map(([b]) => b).join(",")}`);
      const per = L * D;
      const img = new Float32Array(s.img.data.length);
      ids.forEach(([b, step], i) => {
        for (let k = 0; k < per; k++)
          img[i * per + k] = (s.img.data[i * per + k] as number) + (stage === "first" ? script.first(b, step) : 10 + step);
      });
      return { streams: { ...s, img: tensor("f32", s.img.dims, img) }, ms: 0 };
    },
    async finalLayer(img: Tensor<"f32">) {
      return { out: img, ms: 0 };
    },
  };
  return { transformer: fake as unknown as FluxTransformer, log };
}

function callAt(step: number, batch: number): FluxCall {
  const z = (dims: number[]): Tensor<"f32"> => tensor("f32", dims);
  return {
    img: z([batch, L, 1]),
    imgIds: z([batch, L, 3]),
    txt: z([batch, 1, 1]),
    txtIds: z([batch, 1, 3]),
    timesteps: tensor("f32", [batch], new Float32Array(batch).fill(step)),
    y: z([batch, 1]),
    guidance: z([batch]),
  };
}

async function run(cache: StepCache, transformer: FluxTransformer, steps: number, batch: number): Promise<number[][]> {
  const outs: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const { out } = await cache.evaluate(transformer, callAt(s, batch), s);
    outs.push(Array.from({ length: batch }, (_, b) => out.data[b * L * D] as number));
  }
  return outs;
}

describe("StepCache decisions", () => {
  it("First-Block Cache: skips while the first block's residual changed by less than the threshold since the last computed step", async () => {
    // The first block adds 1 + 0.04 s: relative change 0.04 k / (1 + 0.04 s0) against the last computed step s0.
    const { transformer, log } = scripted({ mod: () => 1, first: (_, s) => 1 + 0.04 * s });
    const cache = StepCache.start({ kind: "fbcache", threshold: 0.1 }, 8, 1);
    const outs = await run(cache, transformer, 8, 1);
    // s0 = 0: steps 1, 2 change 0.04, 0.08 (skip), step 3 0.12 (runs); s0 = 3: 0.04/1.12, 0.08/1.12 (skip), 0.12/1.12 > 0.1 (runs 6); 7 is last.
    assert.deepEqual(cache.record().skippedSteps, [2, 3, 5, 6]);
    assert.deepEqual(log.filter((l) => l.startsWith("rest")).length, 4, "rest runs at steps 0, 3, 6, 7");
    // A skipped step: img after the first block + the residual of the rest at the last computed step (10 + s0).
    const first = (s: number): number => 1 + 1 + 0.04 * s;
    assert.ok(Math.abs((outs[1]?.[0] as number) - (first(1) + 10)) < 1e-6);
    assert.ok(Math.abs((outs[4]?.[0] as number) - (first(4) + 13)) < 1e-6);
    assert.ok(Math.abs((outs[3]?.[0] as number) - (first(3) + 13)) < 1e-6, "a computed step is exact");
  });

  it("threshold 0 skips nothing; a huge threshold skips every step but the first and the last", async () => {
    for (const kind of ["fbcache", "teacache"] as const) {
      const { transformer } = scripted({ mod: (_, s) => 1 + s, first: (_, s) => 1 + s });
      const none = StepCache.start({ kind, threshold: 0 }, 6, 1);
      await run(none, transformer, 6, 1);
      assert.deepEqual(none.record().skippedSteps, [], kind);
      const all = StepCache.start({ kind, threshold: 1e9 }, 6, 1);
      await run(all, transformer, 6, 1);
      assert.deepEqual(all.record(), { kind, threshold: 1e9, skippedSteps: [2, 3, 4, 5] });
    }
  });

  it("TeaCache: accumulates the rescaled change of the modulated input over skipped steps and resets when a step runs", async () => {
    // The modulated input grows by 10% a step: relative change 0.1 every step, rescaled f(0.1) each.
    const f = teacacheRescale(0.1);
    const threshold = 2.5 * f;
    const { transformer, log } = scripted({ e: (_, s) => 5 - s, mod: (_, s) => 1.1 ** s, first: () => 1 });
    const cache = StepCache.start({ kind: "teacache", threshold }, 9, 1);
    const outs = await run(cache, transformer, 9, 1);
    // After step 0: 1f, 2f skip (steps 1, 2), 3f runs (3); again 4, 5 skip, 6 runs; 7 skips; 8 is last.
    assert.deepEqual(cache.record().skippedSteps, [2, 3, 5, 6, 8]);
    assert.equal(log.filter((l) => l.startsWith("first")).length, 4, "TeaCache skips the first block too");
    // A skipped step: the embedders' img + (after the last block - embedders' img) at the last computed step = e(s) + 1 + 10 + s0.
    assert.ok(Math.abs((outs[4]?.[0] as number) - (5 - 4 + 1 + 13)) < 1e-6);
  });

  it("decides per sample of a batch; only the samples that run go through the blocks; a picked sample keeps its state", async () => {
    // Sample 0's first block is constant (always skippable), sample 1's doubles every step (never).
    const { transformer, log } = scripted({ mod: () => 1, first: (b, s) => (b === 0 ? 1 : 2 ** s) });
    const cache = StepCache.start({ kind: "fbcache", threshold: 0.05 }, 6, 2);
    for (let s = 0; s < 3; s++) await cache.evaluate(transformer, callAt(s, 2), s);
    assert.deepEqual(cache.record(0).skippedSteps, [2, 3]);
    assert.deepEqual(cache.record(1).skippedSteps, []);
    assert.deepEqual(
      log.filter((l) => l.startsWith("rest")),
      ["rest 0,1", "rest 1", "rest 1"],
    );
    const winner = cache.pick([0]);
    log.length = 0;
    for (let s = 3; s < 6; s++) {
      const call = callAt(s, 1);
      await winner.evaluate(transformer, call, s);
    }
    assert.deepEqual(
      winner.record().skippedSteps,
      [2, 3, 4, 5],
      "the winner's own earlier skips, then its own decisions; the last step runs",
    );
  });
});
