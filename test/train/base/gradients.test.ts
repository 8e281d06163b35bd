/**
 * Full-parameter training of a tiny FLUX Fill: the graph binds every weight as an input, its loss
 * is the host's mean((pred - target)^2), and its weight gradients (a qkv weight, biases, RMSNorm
 * scales, modulation weights, img_in, the final layer, an embedder; in fact all 52) match central finite
 * differences of the graph's own loss, along the gradient and along a random direction.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Flux } from "../../../src/models/flux/model.js";
import { Prng } from "../../../src/numeric/prng.js";
import { Engine } from "../../../src/runtime/engine.js";
import type { Tensor } from "../../../src/tensor.js";
import {
  BaseTrainingError,
  BaseTrainingStep,
  buildBaseTrainingGraph,
  initialBaseWeights,
  InputParamBinder,
} from "../../../src/train/base/index.js";
import { noisedInputs } from "../../../src/train/step/index.js";
import { TINY, tinyInputs } from "../tiny-flux.js";

/** Weights of every kind whose gradient is large enough (> 1e-4) for a float32 difference to pin it down; the rest are checked within the noise. */
const CHECKED = [
  "double_blocks.0.img_attn.qkv.weight",
  "double_blocks.0.txt_attn.qkv.bias",
  "double_blocks.0.img_mlp.2.bias",
  "double_blocks.0.img_attn.norm.query_norm.scale",
  "single_blocks.0.norm.key_norm.scale",
  "double_blocks.0.img_mod.lin.weight",
  "double_blocks.0.txt_mod.lin.bias",
  "single_blocks.0.modulation.lin.weight",
  "single_blocks.0.linear2.weight",
  "img_in.weight",
  "txt_in.weight",
  "time_in.in_layer.weight",
  "vector_in.out_layer.bias",
  "final_layer.linear.weight",
  "final_layer.adaLN_modulation.1.weight",
];

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe("BaseTrainingStep on a tiny FLUX Fill", () => {
  let engine: Engine;
  let step: BaseTrainingStep;
  before(async () => {
    engine = new Engine();
    step = await BaseTrainingStep.open(engine, { params: TINY });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  test("every transformer weight is a graph input under its BFL key, with a gradient output; no initializers", () => {
    const model = new Flux(TINY);
    const graph = buildBaseTrainingGraph(model, new InputParamBinder(model.parameters()));
    const inputs = new Set(graph.inputs.map((v) => v.name));
    const outputs = new Set(graph.outputs.map((o) => o.name));
    for (const p of model.parameters()) {
      assert.ok(inputs.has(p.path), `${p.path} is an input`);
      assert.ok(outputs.has(`grad.${p.path}`), `${p.path} has a gradient`);
    }
    assert.equal(step.keys.length, model.parameters().length);
    assert.equal([...graph.initializers.keys()].filter((k) => model.parameters().some((p) => p.path === k)).length, 0);
  });

  test("open starts from the seeded from-scratch init, or checks the weights it is given", async () => {
    const seeded = await BaseTrainingStep.open(engine, { params: TINY, seed: 7 });
    try {
      assert.deepEqual(seeded.initialWeights, initialBaseWeights(TINY, 7));
    } finally {
      await seeded.release();
    }
    const weights = initialBaseWeights(TINY, 1);
    weights.delete("double_blocks.0.img_mod.lin.bias");
    await assert.rejects(BaseTrainingStep.open(engine, { params: TINY, initialWeights: weights }), BaseTrainingError);
    const x = tinyInputs(1);
    await assert.rejects(step.run(x, weights), /double_blocks\.0\.img_mod\.lin\.bias/);
  });

  test("the loss is the host's mean((pred - target)^2); every gradient has its weight's shape and is finite", async () => {
    const x = tinyInputs(1);
    const weights = initialBaseWeights(TINY, 7);
    const result = await step.run(x, weights);
    const { target } = noisedInputs(x);
    let sum = 0;
    for (let i = 0; i < target.data.length; i++) sum += ((result.pred.data[i] as number) - (target.data[i] as number)) ** 2;
    const host = sum / target.data.length;
    assert.ok(Math.abs(result.loss - host) <= 1e-6 * host, `${result.loss} vs ${host}`);
    for (const [key, w] of weights) {
      const g = result.grads.get(key);
      assert.ok(g, `${key} has a gradient`);
      assert.deepEqual(g.dims, w.dims);
      assert.ok(g.data.every(Number.isFinite), `${key}: finite`);
    }
  });

  test("recomputing each block in the backward pass (checkpointing) gives the gradients of keeping the activations", async () => {
    const kept = await BaseTrainingStep.open(engine, { params: TINY, checkpointing: false });
    try {
      const x = tinyInputs(4);
      const weights = initialBaseWeights(TINY, 9);
      const a = await step.run(x, weights);
      const b = await kept.run(x, weights);
      assert.equal(a.loss, b.loss);
      for (const [key, g] of a.grads) {
        const other = (b.grads.get(key) as Tensor<"f32">).data;
        const scale = Math.max(...other.map(Math.abs));
        assert.ok(
          g.data.every((v, i) => Math.abs(v - (other[i] as number)) <= 1e-5 * scale),
          key,
        );
      }
    } finally {
      await kept.release();
    }
  });

  test("every weight gradient matches central finite differences of the graph's loss (along the gradient and a random direction)", async () => {
    const x = tinyInputs(2);
    const weights = initialBaseWeights(TINY, 11);
    const { grads } = await step.run(x, weights);
    const prng = new Prng(3);
    for (const key of step.keys) {
      const w = weights.get(key) as Tensor<"f32">;
      const g = (grads.get(key) as Tensor<"f32">).data;
      const gNorm = norm(g);
      if (CHECKED.includes(key)) assert.ok(gNorm > 1e-4, `${key} has a gradient to check (${gNorm})`);
      const random = new Float32Array(g.length);
      prng.fillNormal(random, 1, 0);
      const start = w.data.slice();
      for (const [what, direction] of [
        ["gradient", g],
        ["random", random],
      ] as const) {
        const length = norm(direction);
        const unit = direction.map((v) => v / length);
        // A step of 0.005 along a unit direction: small against the weights (std 0.02 and up) so curvature stays out, large enough that float32 rounding of the loss (~1e-7) stays small.
        const eps = 0.005;
        const moved = async (sign: number): Promise<number> => {
          w.data.set(start.map((v, i) => v + sign * eps * (unit[i] as number)));
          return (await step.run(x, weights)).loss;
        };
        const numeric = ((await moved(1)) - (await moved(-1))) / (2 * eps);
        w.data.set(start);
        const analytic = g.reduce((s, v, i) => s + v * (unit[i] as number), 0);
        assert.ok(
          Math.abs(analytic - numeric) <= 2e-5 + 0.01 * gNorm,
          `${key} along the ${what}: analytic ${analytic} vs finite difference ${numeric} (|g| ${gNorm})`,
        );
      }
    }
  });
});
