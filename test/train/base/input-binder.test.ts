/**
 * InputParamBinder: a chosen set of parameters becomes graph inputs under their checkpoint keys,
 * the rest comes from the fallback binder; a partial set trains only those weights, and its
 * gradients equal the full-parameter graph's for the same weights.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { InlineParams } from "../../../src/components/params/load-params.js";
import { Flux } from "../../../src/models/flux/model.js";
import { GraphBuildError } from "../../../src/onnx/graph.js";
import { Engine } from "../../../src/runtime/engine.js";
import type { Tensor } from "../../../src/tensor.js";
import { BaseTrainingStep, buildBaseTrainingGraph, initialBaseWeights, InputParamBinder } from "../../../src/train/base/index.js";
import { gradOutput, LOSS_OUTPUT } from "../../../src/train/step/index.js";
import { trainingFeeds } from "../../../src/train/step/step-feeds.js";
import { TINY, tinyInputs } from "../tiny-flux.js";

describe("InputParamBinder", () => {
  let engine: Engine;
  before(() => {
    engine = new Engine();
  });
  after(async () => {
    await engine.close();
  });

  test("binds the chosen specs as inputs and the rest through the fallback binder", () => {
    const model = new Flux(TINY);
    const weights = initialBaseWeights(TINY, 1);
    const chosen = model.parameters().filter((p) => p.path.startsWith("final_layer.") || p.path === "img_in.weight");
    const binder = new InputParamBinder(chosen, new InlineParams(weights));
    const graph = buildBaseTrainingGraph(model, binder);
    const inputs = new Set(graph.inputs.map((v) => v.name));
    for (const p of model.parameters()) {
      const isChosen = chosen.includes(p);
      assert.equal(inputs.has(p.path), isChosen, `${p.path} input`);
      assert.equal(graph.initializers.has(p.path), !isChosen, `${p.path} initializer`);
    }
    assert.deepEqual(
      graph.outputs.filter((o) => o.name.startsWith("grad.")).map((o) => o.name),
      chosen.map((p) => gradOutput(p.path)),
    );
  });

  test("a parameter neither chosen nor bound elsewhere, or declared with another shape, is a build error", () => {
    const model = new Flux(TINY);
    const some = model.parameters().slice(0, 3);
    assert.throws(() => buildBaseTrainingGraph(model, new InputParamBinder(some)), GraphBuildError);
    const reshaped = model.parameters().map((p) => (p.path === "img_in.weight" ? { path: p.path, shape: [24, 32] } : p));
    assert.throws(() => buildBaseTrainingGraph(model, new InputParamBinder(reshaped)), /img_in\.weight/);
  });

  test("training a subset gives the same gradients as the full-parameter step for those weights", async () => {
    const model = new Flux(TINY);
    const weights = initialBaseWeights(TINY, 4);
    const chosen = model.parameters().filter((p) => p.path.startsWith("single_blocks.0.") || p.path === "txt_in.bias");
    const graph = buildBaseTrainingGraph(model, new InputParamBinder(chosen, new InlineParams(weights)));
    const partial = await engine.load(graph);
    const full = await BaseTrainingStep.open(engine, { params: TINY, checkpointing: false });
    try {
      const x = tinyInputs(8);
      const feeds = trainingFeeds(TINY, x);
      for (const p of chosen) feeds[p.path] = weights.get(p.path) as Tensor<"f32">;
      const got = (await partial.run(feeds)).outputs;
      const want = await full.run(x, weights);
      const loss = (got[LOSS_OUTPUT] as Tensor<"f32">).data[0] as number;
      assert.ok(Math.abs(loss - want.loss) <= 1e-6 * want.loss, `${loss} vs ${want.loss}`);
      for (const p of chosen) {
        const a = (got[gradOutput(p.path)] as Tensor<"f32">).data;
        const b = (want.grads.get(p.path) as Tensor<"f32">).data;
        const scale = Math.max(...b.map(Math.abs));
        assert.ok(
          a.every((v, i) => Math.abs(v - (b[i] as number)) <= 1e-5 * scale),
          `${p.path}`,
        );
      }
    } finally {
      await partial.release();
      await full.release();
    }
  });
});
