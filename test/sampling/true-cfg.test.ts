/**
 * True classifier-free guidance: the combination v_neg + s (v_pos - v_neg) against its closed form,
 * and the denoising loop with a negative prompt on a tiny random FLUX against the same loop written
 * out by hand (two transformer runs per step, the combination, the Euler step), bit for bit.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FluxTransformer } from "../../src/components/flux/transformer.js";
import { fluxInitRule } from "../../src/demo/init/flux.js";
import { randomTensors } from "../../src/demo/random-weights.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { imageIds, textIds } from "../../src/models/flux/inputs.js";
import { Flux } from "../../src/models/flux/model.js";
import { denoise, type DenoiseConditioning } from "../../src/pipelines/fill/denoise.js";
import { batchedNegative } from "../../src/pipelines/fill/sampler.js";
import { Engine } from "../../src/runtime/engine.js";
import { eulerStep } from "../../src/sampling/euler.js";
import { guidedVelocity } from "../../src/sampling/true-cfg.js";
import { tensor } from "../../src/tensor.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { randT } from "../onnx/helpers.js";
import { TINY } from "../train/tiny-flux.js";

describe("true CFG", () => {
  it("v_neg + s (v_pos - v_neg): the positive at s = 1, extrapolated past it above 1, each op in float32", () => {
    const pos = tensor("f32", [1, 2, 2], new Float32Array([1, 2, 3, 4]));
    const neg = tensor("f32", [1, 2, 2], new Float32Array([0.5, 2, 5, -4]));
    assert.deepEqual([...guidedVelocity(pos, neg, 1).data], [1, 2, 3, 4]);
    assert.deepEqual([...guidedVelocity(pos, neg, 2.5).data], [1.75, 2, 0, 16]);
    const a = randT([1, 3, 4], 1);
    const b = randT([1, 3, 4], 2);
    const fr = Math.fround;
    const got = guidedVelocity(a, b, 3.7).data;
    for (let i = 0; i < got.length; i++) {
      const n = b.data[i] as number;
      assert.equal(got[i], fr(n + fr(fr(3.7) * fr((a.data[i] as number) - n))));
    }
    assert.throws(() => guidedVelocity(a, randT([1, 4, 3], 3), 2), InvalidArgumentError);
  });

  describe("in the denoising loop, on a tiny random FLUX", () => {
    let engine: Engine;
    let transformer: FluxTransformer;
    before(async () => {
      engine = new Engine();
      const weights = memorySource(randomTensors(new Flux(TINY).parameters(), 11, fluxInitRule));
      transformer = await FluxTransformer.open(engine, { weights, params: TINY });
    });
    after(async () => {
      await transformer.release();
      await engine.close();
    });

    const [ROWS, COLS] = [2, 3];
    const L = ROWS * COLS;
    const cond = (b: number): DenoiseConditioning => ({
      imgCond: randT([b, L, 8], 21),
      imgIds: imageIds(b, ROWS, COLS),
      txt: randT([b, 4, 12], 22),
      txtIds: textIds(b, 4),
      y: randT([b, 8], 23),
      guidance: new Array<number>(b).fill(1),
    });
    const negative = { txt: randT([1, 2, 12], 24), y: randT([1, 8], 25), scale: 2.5 };
    const schedule = new Float32Array([1, 0.6, 0.25, 0]);

    it("runs the transformer on the prompt and on the negative prompt each step and follows their combination", async () => {
      const c = cond(1);
      const x = randT([1, L, 16], 26);
      const guided = await denoise(transformer, x, { ...c, negative: batchedNegative(negative, 1) }, schedule);
      let manual = x;
      for (let i = 0; i < 3; i++) {
        const t = schedule[i] as number;
        const call = {
          img: tensor("f32", [1, L, 24], interleave(manual.data, c.imgCond?.data ?? new Float32Array(), L)),
          imgIds: c.imgIds,
          timesteps: tensor("f32", [1], new Float32Array([t])),
          guidance: tensor("f32", [1], new Float32Array([1])),
        };
        const pos = await transformer.forward({ ...call, txt: c.txt, txtIds: c.txtIds, y: c.y });
        const neg = await transformer.forward({ ...call, txt: negative.txt, txtIds: textIds(1, 2), y: negative.y });
        manual = eulerStep(manual, guidedVelocity(pos.out, neg.out, negative.scale), t, schedule[i + 1] as number);
      }
      assert.deepEqual([...guided.data], [...manual.data]);
      const plain = await denoise(transformer, x, c, schedule);
      assert.notDeepEqual([...plain.data], [...guided.data], "the negative prompt changed nothing");
    });

    it("a batch of candidates gets the negative prompt repeated, each as it runs alone", async () => {
      const x1 = randT([1, L, 16], 27);
      const x2 = randT([1, L, 16], 28);
      const one = cond(1);
      const both: DenoiseConditioning = {
        ...cond(2),
        imgCond: tensor("f32", [2, L, 8], concat(one.imgCond?.data, one.imgCond?.data)),
        txt: tensor("f32", [2, 4, 12], concat(one.txt.data, one.txt.data)),
        y: tensor("f32", [2, 8], concat(one.y.data, one.y.data)),
        negative: batchedNegative(negative, 2),
      };
      const batched = await denoise(transformer, tensor("f32", [2, L, 16], concat(x1.data, x2.data)), both, schedule);
      const alone = await denoise(transformer, x2, { ...one, negative: batchedNegative(negative, 1) }, schedule);
      const second = batched.data.slice(L * 16);
      for (let i = 0; i < second.length; i++) assert.ok(Math.abs((second[i] as number) - (alone.data[i] as number)) < 1e-5);
    });
  });
});

/** [L, 16] tokens and [L, 8] conditioning features -> [L, 24], as denoise appends them. */
function interleave(x: Float32Array, condition: Float32Array, tokens: number): Float32Array {
  const out = new Float32Array(tokens * 24);
  for (let l = 0; l < tokens; l++) {
    out.set(x.subarray(l * 16, (l + 1) * 16), l * 24);
    out.set(condition.subarray(l * 8, (l + 1) * 8), l * 24 + 16);
  }
  return out;
}

function concat(a: Float32Array | undefined, b: Float32Array | undefined): Float32Array {
  const first = a ?? new Float32Array();
  const second = b ?? new Float32Array();
  const out = new Float32Array(first.length + second.length);
  out.set(first);
  out.set(second, first.length);
  return out;
}
