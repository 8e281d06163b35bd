/**
 * The training step on a tiny random FLUX (no golden files needed): the noised input and target
 * as the formula says, the graph's loss equal to the host's mean((pred - target)^2), and the
 * graph's adapter gradients against central finite differences of its own loss, at batch 2 with
 * a top-2 MoE-LoRA (so the router trains) and alpha != rank.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fluxInitRule } from "../../../src/demo/init/flux.js";
import { randomTensors } from "../../../src/demo/random-weights.js";
import { imageIds, textIds } from "../../../src/models/flux/inputs.js";
import { Flux } from "../../../src/models/flux/model.js";
import { GOLDEN_T1, validateFluxParams, type FluxParams } from "../../../src/models/flux/params.js";
import { Engine } from "../../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { freshTrainableAdapter, type TrainableAdapter } from "../../../src/train/adapter/index.js";
import { noisedInputs, TrainingStep, type TrainingInputs } from "../../../src/train/step/index.js";
import { iceditLoraModules } from "../../../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../../../src/weights/lora/targets.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { randT } from "../../onnx/helpers.js";

/** head_dim 16 = 4 + 6 + 6; 16 latent channels + 8 conditioning channels in. */
const TINY: FluxParams = {
  ...GOLDEN_T1,
  inChannels: 24,
  outChannels: 16,
  vecInDim: 8,
  contextInDim: 12,
  hiddenSize: 32,
  mlpRatio: 2,
  numHeads: 2,
  depth: 1,
  depthSingleBlocks: 1,
  axesDim: [4, 6, 6],
};
const [B, T, ROWS, COLS] = [2, 3, 2, 2];
const L = ROWS * COLS;

function inputs(seed: number): TrainingInputs {
  return {
    x0: randT([B, L, 16], seed),
    imgCond: randT([B, L, 8], seed + 1),
    txt: randT([B, T, 12], seed + 2),
    y: randT([B, 8], seed + 3),
    imgIds: imageIds(B, ROWS, COLS),
    txtIds: textIds(B, T),
    t: tensor("f32", [B], new Float32Array([0.3, 0.8])),
    noise: randT([B, L, 16], seed + 4),
  };
}

/** Every adapter tensor random (B nonzero, so every tensor has a gradient). */
function randomParams(adapter: TrainableAdapter, seed: number): Map<string, Tensor<"f32">> {
  return new Map(adapter.keys.map((k, i) => [k, randT(adapter.dims(k), seed + i, -0.3, 0.3)]));
}

describe("TrainingStep on a tiny FLUX", () => {
  let engine: Engine;
  let step: TrainingStep;
  let adapter: TrainableAdapter;
  before(async () => {
    engine = new Engine();
    const model = new Flux(TINY);
    const targets = LoraTargets.fromParams(model.parameters());
    const { mlpHidden } = validateFluxParams(TINY);
    adapter = freshTrainableAdapter(targets, iceditLoraModules({ ...TINY, mlpHidden }), { rank: 2, alpha: 3, experts: 3, topK: 2, seed: 5 });
    const weights = memorySource(randomTensors(model.parameters(), 7, fluxInitRule));
    step = await TrainingStep.open(engine, { weights, params: TINY, adapter });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  test("x_t = (1 - t) x0 + t noise per batch element, beside the conditioning; target = noise - x0", () => {
    const x = inputs(1);
    const { img, target } = noisedInputs(x);
    assert.deepEqual(img.dims, [B, L, 24]);
    for (const [b, l, c] of [
      [0, 0, 0],
      [1, 3, 15],
    ] as const) {
      const at = (b * L + l) * 16 + c;
      const t = x.t.data[b] as number;
      const want = (1 - t) * (x.x0.data[at] as number) + t * (x.noise.data[at] as number);
      assert.ok(Math.abs((img.data[(b * L + l) * 24 + c] as number) - want) < 1e-6);
      assert.equal(img.data[(b * L + l) * 24 + 16], x.imgCond.data[(b * L + l) * 8]);
      assert.equal(target.data[at], Math.fround((x.noise.data[at] as number) - (x.x0.data[at] as number)));
    }
  });

  test("the graph's loss is the host's mean((pred - target)^2) over all B*L*C elements", async () => {
    const x = inputs(1);
    const result = await step.run(x, randomParams(adapter, 100));
    const { target } = noisedInputs(x);
    let sum = 0;
    for (let i = 0; i < target.data.length; i++) sum += ((result.pred.data[i] as number) - (target.data[i] as number)) ** 2;
    const host = sum / target.data.length;
    assert.ok(Math.abs(result.loss - host) <= 1e-6 * host, `${result.loss} vs ${host}`);
    assert.deepEqual(result.pred.dims, [B, L, 16]);
    assert.deepEqual([...result.grads.keys()], [...adapter.keys]);
  });

  test("adapter gradients match central finite differences of the loss (plain A, B, an expert, the top-2 router)", async () => {
    const x = inputs(2);
    const params = randomParams(adapter, 200);
    const { grads } = await step.run(x, params);
    const moe = adapter.modules.find((m) => m.kind === "moe");
    const plain = adapter.modules.find((m) => m.kind === "plain" && m.module.includes("to_v"));
    assert.ok(moe?.kind === "moe" && plain?.kind === "plain");
    const probes: [string, number][] = [
      [plain.a, 3],
      [plain.b, 5],
      [moe.experts[1]?.a as string, 7],
      [moe.experts[2]?.b as string, 1],
      [moe.route, 4],
      [moe.route, 40],
    ];
    const eps = 1e-2;
    for (const [key, i] of probes) {
      const p = params.get(key) as Tensor<"f32">;
      const v = p.data[i] as number;
      p.data[i] = v + eps;
      const up = (await step.run(x, params)).loss;
      p.data[i] = v - eps;
      const down = (await step.run(x, params)).loss;
      p.data[i] = v;
      const numeric = (up - down) / (2 * eps);
      const analytic = grads.get(key)?.data[i] as number;
      assert.ok(Math.abs(analytic - numeric) <= 2e-4 + 0.02 * Math.abs(numeric), `${key}[${i}]: ${analytic} vs ${numeric}`);
      assert.ok(Math.abs(numeric) > 1e-4, `${key}[${i}] has a gradient to check (${numeric})`);
    }
  });
});
