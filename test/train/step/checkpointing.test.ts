/**
 * Gradient checkpointing in the training step: with each block recomputed in the backward pass
 * the loss, prediction and every adapter gradient are bit-identical to keeping the activations,
 * and the graph holds the recomputed blocks (more nodes).
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { fluxInitRule } from "../../../src/demo/init/flux.js";
import { randomTensors } from "../../../src/demo/random-weights.js";
import { imageIds, textIds } from "../../../src/models/flux/inputs.js";
import { Flux } from "../../../src/models/flux/model.js";
import { GOLDEN_T1, validateFluxParams } from "../../../src/models/flux/params.js";
import { Engine } from "../../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { freshTrainableAdapter } from "../../../src/train/adapter/index.js";
import { buildTrainingGraph, TrainingStep } from "../../../src/train/step/index.js";
import { iceditLoraModules } from "../../../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../../../src/weights/lora/targets.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import type { ParamBinder } from "../../../src/nn/module.js";
import { randT } from "../../onnx/helpers.js";

const engine = new Engine();
after(() => engine.close());

describe("training step with gradient checkpointing", () => {
  const params = GOLDEN_T1;
  const model = new Flux(params);
  const weights = randomTensors(model.parameters(), 3, fluxInitRule);
  const targets = LoraTargets.fromParams(model.parameters());
  const modules = iceditLoraModules({ ...params, mlpHidden: validateFluxParams(params).mlpHidden });
  const adapter = freshTrainableAdapter(targets, modules, { rank: 4, experts: 4, topK: 2, seed: 1 });
  // B nonzero so that every tensor has a gradient.
  const values = new Map<string, Tensor<"f32">>(adapter.keys.map((k, i) => [k, randT(adapter.dims(k), 40 + i, -0.2, 0.2)]));
  const [rows, cols, t] = [2, 4, 5];
  const inputs = {
    x0: randT([1, rows * cols, 64], 1),
    imgCond: randT([1, rows * cols, 320], 2),
    txt: randT([1, t, params.contextInDim], 3),
    y: randT([1, params.vecInDim], 4),
    imgIds: imageIds(1, rows, cols),
    txtIds: textIds(1, t),
    t: tensor("f32", [1], Float32Array.of(0.4)),
    noise: randT([1, rows * cols, 64], 5),
  };

  test("loss, prediction and gradients are bit-identical with and without recomputation", async () => {
    const results = [];
    for (const checkpointing of [false, true]) {
      const step = await TrainingStep.open(engine, { params, adapter, weights: memorySource(weights), checkpointing });
      try {
        results.push(await step.run(inputs, values));
      } finally {
        await step.release();
      }
    }
    const [kept, recomputed] = results as [(typeof results)[0], (typeof results)[0]];
    assert.equal(recomputed.loss, kept.loss);
    assert.deepEqual(Array.from(recomputed.pred.data), Array.from(kept.pred.data));
    let routers = 0;
    for (const key of adapter.keys) {
      const a = kept.grads.get(key)?.data as Float32Array;
      const b = recomputed.grads.get(key)?.data as Float32Array;
      assert.deepEqual(Array.from(b), Array.from(a), key);
      if (key.includes("lora_route") && a.some((v) => v !== 0)) routers++;
    }
    // At top-2 the routers train (an expert that no token picks gets no gradient, so not every tensor has one).
    assert.equal(routers, adapter.keys.filter((k) => k.includes("lora_route")).length, "every router has a gradient");
  });

  test("the checkpointed graph recomputes each of the 4 blocks", () => {
    const binder: ParamBinder = { bind: (g, spec) => g.addInput(spec.path, "f32", spec.shape) };
    const plain = buildTrainingGraph(model, binder, adapter, { checkpointing: false });
    const checkpointed = buildTrainingGraph(model, binder, adapter);
    const attention = (n: number): number =>
      [plain, checkpointed][n]?.nodes.filter((node) => node.opType === "MultiHeadAttention").length ?? 0;
    // 4 blocks: 4 attentions in the forward; the recomputation adds one per block.
    assert.equal(attention(0), 4);
    assert.equal(attention(1), 8);
  });
});
