/**
 * The Kontext training step on a tiny random FLUX (64 -> 16 channels here: in = out, as FLUX.1 dev):
 * the noisy tokens followed by the condition tokens on the sequence axis with ids (0, r, c) then
 * (1, r, c); the prediction is the first L tokens of exactly what inference's transformer returns
 * for that sequence (so the condition tokens' outputs get no loss); the loss is the host's mean over
 * the noisy tokens only; the adapter gradients match central finite differences through the whole
 * step (plain LoRA and MoE-LoRA, with the slice that drops the condition tokens); and a few AdamW
 * steps on fixed inputs lower the loss.
 */
import { checkAlongGradients } from "./gradient-direction.js";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FluxTransformer } from "../../../src/components/flux/transformer.js";
import { fluxInitRule } from "../../../src/demo/init/flux.js";
import { randomTensors } from "../../../src/demo/random-weights.js";
import { imageIds, textIds } from "../../../src/models/flux/inputs.js";
import { Flux } from "../../../src/models/flux/model.js";
import { validateFluxParams, type FluxParams } from "../../../src/models/flux/params.js";
import { referenceIds } from "../../../src/pipelines/kontext/references.js";
import { Engine } from "../../../src/runtime/engine.js";
import { firstTokens } from "../../../src/sampling/packing.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { freshTrainableAdapter, type TrainableAdapter } from "../../../src/train/adapter/index.js";
import { AdamW } from "../../../src/train/optim/index.js";
import { noisedInputs, TrainingStep, type TrainingInputs } from "../../../src/train/step/index.js";
import { iceditLoraModules } from "../../../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../../../src/weights/lora/targets.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { randT } from "../../onnx/helpers.js";
import { TINY } from "../tiny-flux.js";

/** Kontext's shape: the latent channels in and out, no conditioning channels. */
const TINY_K: FluxParams = { ...TINY, inChannels: 16, outChannels: 16 };
/** B = 2, T = 3 text tokens, a 2x2 target grid (L = 4) and a 2x3 condition grid (Lc = 6). */
const [B, T, L, LC] = [2, 3, 4, 6];

function kontextInputs(seed: number): TrainingInputs {
  return {
    x0: randT([B, L, 16], seed),
    imgCond: randT([B, LC, 16], seed + 1),
    imgCondIds: referenceIds(B, [{ rows: 2, cols: 3 }], "offset"),
    txt: randT([B, T, 12], seed + 2),
    y: randT([B, 8], seed + 3),
    imgIds: imageIds(B, 2, 2),
    txtIds: textIds(B, T),
    t: tensor("f32", [B], new Float32Array([0.3, 0.8])),
    noise: randT([B, L, 16], seed + 4),
  };
}

function randomParams(adapter: TrainableAdapter, seed: number): Map<string, Tensor<"f32">> {
  return new Map(
    adapter.keys.map((k, i) => [
      k,
      randT(adapter.dims(k), seed + i, k.includes("lora_route") ? -0.05 : -0.5, k.includes("lora_route") ? 0.05 : 0.5),
    ]),
  );
}

describe("the Kontext training step on a tiny FLUX", () => {
  let engine: Engine;
  let step: TrainingStep;
  let adapter: TrainableAdapter;
  const weights = randomTensors(new Flux(TINY_K).parameters(), 7, fluxInitRule);
  before(async () => {
    engine = new Engine();
    const { mlpHidden } = validateFluxParams(TINY_K);
    const targets = LoraTargets.fromParams(new Flux(TINY_K).parameters());
    adapter = freshTrainableAdapter(targets, iceditLoraModules({ ...TINY_K, mlpHidden }), {
      rank: 2,
      alpha: 3,
      experts: 3,
      topK: 3,
      seed: 5,
    });
    step = await TrainingStep.open(engine, { weights: memorySource(weights), params: TINY_K, adapter, conditionTokens: true });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  test("the condition tokens follow x_t on the sequence axis with ids (1, r, c); the target covers the noisy tokens only", () => {
    const x = kontextInputs(1);
    const { img, imgIds, target } = noisedInputs(x);
    assert.deepEqual(img.dims, [B, L + LC, 16]);
    assert.deepEqual(imgIds.dims, [B, L + LC, 3]);
    assert.deepEqual(target.dims, [B, L, 16]);
    const t1 = x.t.data[1] as number;
    const at = (1 * L + 3) * 16 + 5; // batch 1, noisy token 3, channel 5
    assert.ok(
      Math.abs(
        (img.data[(1 * (L + LC) + 3) * 16 + 5] as number) - ((1 - t1) * (x.x0.data[at] as number) + t1 * (x.noise.data[at] as number)),
      ) < 1e-6,
    );
    assert.equal(
      img.data[(1 * (L + LC) + L + 2) * 16 + 7],
      x.imgCond.data[(1 * LC + 2) * 16 + 7],
      "condition token 2 of batch 1, unchanged",
    );
    assert.deepEqual([...imgIds.data.subarray((L + 4) * 3, (L + 5) * 3)], [1, 1, 1], "condition token 4: (1, row 1, col 1)");
    assert.deepEqual([...imgIds.data.subarray(3 * 3, 4 * 3)], [0, 1, 1], "noisy token 3: (0, 1, 1)");
  });

  test("pred is the first L tokens of inference's transformer output; the loss is the host's mean over B*L*C", async () => {
    const x = kontextInputs(2);
    // The fresh adapter (B = 0) adds nothing: the step's prediction is the base transformer's.
    const result = await step.run(x, adapter.cloneInitial());
    const inference = await FluxTransformer.open(engine, { weights: memorySource(weights), params: TINY_K });
    try {
      const { img, imgIds } = noisedInputs(x);
      const call = {
        img,
        imgIds,
        txt: x.txt,
        txtIds: x.txtIds,
        timesteps: x.t,
        y: x.y,
        guidance: tensor("f32", [B], new Float32Array([1, 1])),
      };
      const { out } = await inference.forward(call);
      assert.deepEqual(out.dims, [B, L + LC, 16]);
      const noisy = firstTokens(out, L);
      assert.deepEqual(result.pred.dims, [B, L, 16]);
      const worst = noisy.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (result.pred.data[i] as number))), 0);
      assert.ok(worst < 1e-5, `training pred vs inference out: ${worst}`);
    } finally {
      await inference.release();
    }
    const { target } = noisedInputs(x);
    let sum = 0;
    for (let i = 0; i < target.data.length; i++) sum += ((result.pred.data[i] as number) - (target.data[i] as number)) ** 2;
    assert.ok(Math.abs(result.loss - sum / (B * L * 16)) <= 1e-6 * result.loss, `${result.loss} vs ${sum / (B * L * 16)}`);
  });

  test("adapter gradients match central finite differences of the whole step's loss (plain A, B, an expert, a router)", async () => {
    const x = kontextInputs(3);
    const params = randomParams(adapter, 400);
    const { grads } = await step.run(x, params);
    const plain = adapter.modules.find((m) => m.kind === "plain" && m.module.includes("to_v"));
    const moe = adapter.modules.find((m) => m.kind === "moe");
    assert.ok(plain?.kind === "plain" && moe?.kind === "moe");
    const keys = [plain.a, plain.b, moe.experts[1]?.a as string, moe.route];
    await checkAlongGradients(keys, params, grads, async () => (await step.run(x, params)).loss);
  });

  test("a step built for Kontext refuses inputs without condition ids, and a few AdamW steps lower the loss", async () => {
    const x = kontextInputs(4);
    const { imgCondIds: _, ...channelWise } = x;
    await assert.rejects(step.run(channelWise, adapter.cloneInitial()), /built for Kontext/);
    const params = adapter.cloneInitial();
    const optimizer = new AdamW(params, { lr: 0.02, weightDecay: 0 });
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { loss, grads } = await step.run(x, params);
      losses.push(loss);
      optimizer.step(grads);
    }
    const [first, last] = [losses[0] as number, losses[losses.length - 1] as number];
    assert.ok(last < 0.9 * first, `loss ${losses.map((l) => l.toFixed(4)).join(" -> ")}`);
  });
});
