/**
 * The VAE autoencoder training step on the demo VAE at 32x32:
 * - with eps = 0 its mse and KL equal those computed here in float64 from the inference VAE
 *   (src/components/vae, a different graph) on the same weights: mse of decode(encode(x)) and the
 *   closed-form KL of the moments; the loss is mse + kl_weight * KL * z / (3 * 8^2);
 * - 12 AdamW steps on one fixed batch (fixed noise) cut the loss by more than half, and the same
 *   seeds give the same losses again, bit for bit;
 * - a batch of the wrong shape, or of another shape than the step was opened for, is a VaeTrainingError.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Vae } from "../../../src/components/vae/vae.js";
import { DEMO_VAE } from "../../../src/demo/make-demo-model.js";
import { Engine } from "../../../src/runtime/engine.js";
import { torchRandn } from "../../../src/sampling/torch-rng.js";
import { tensor } from "../../../src/tensor.js";
import { AdamW } from "../../../src/train/optim/index.js";
import { initialVaeWeights, sceneBatch, VaeTrainingError, VaeTrainingStep } from "../../../src/train/vae/index.js";
import { memorySource } from "../../../src/weights/memory-source.js";

const KL_WEIGHT = 1e-3;
const SIZE = 32;
const Z = DEMO_VAE.zChannels;
/** The step is opened for batches of two 32x32 images (static dims: it opens several times faster). */
const SHAPE = { batch: 2, height: SIZE, width: SIZE };

describe("VaeTrainingStep on the demo VAE", () => {
  let engine: Engine;
  let step: VaeTrainingStep;
  before(async () => {
    engine = new Engine();
    step = await VaeTrainingStep.open(engine, { params: DEMO_VAE, klWeight: KL_WEIGHT, seed: 3, shape: SHAPE });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  test("with eps = 0 the mse and KL are those of the inference VAE's reconstruction and moments", async () => {
    const images = sceneBatch([11, 12], SIZE);
    const weights = initialVaeWeights(DEMO_VAE, 3);
    const got = await step.run(images, tensor("f32", [2, Z, 4, 4]), weights);
    const vae = await Vae.open(engine, { params: DEMO_VAE, weights: memorySource(weights) });
    try {
      const encoded = await vae.encode(images);
      const recon = (await vae.decode(encoded.latent)).image;
      let sq = 0;
      for (let i = 0; i < images.data.length; i++) sq += ((recon.data[i] as number) - (images.data[i] as number)) ** 2;
      const mse = sq / images.data.length;
      const m = encoded.moments.data;
      const plane = 4 * 4;
      let kl = 0;
      for (let b = 0; b < 2; b++) {
        for (let i = 0; i < Z * plane; i++) {
          const mu = m[b * 2 * Z * plane + i] as number;
          const lv = m[b * 2 * Z * plane + Z * plane + i] as number;
          kl += 0.5 * (mu * mu + Math.exp(lv) - 1 - lv);
        }
      }
      kl /= 2 * Z * plane;
      assert.ok(Math.abs(got.mse - mse) <= 1e-4 * mse, `step mse ${got.mse}, inference VAE ${mse}`);
      assert.ok(Math.abs(got.kl - kl) <= 1e-4 * kl, `step KL ${got.kl}, from the moments ${kl}`);
      const loss = mse + (KL_WEIGHT * kl * Z) / (3 * 64);
      assert.ok(Math.abs(got.loss - loss) <= 1e-4 * loss, `step loss ${got.loss}, expected ${loss}`);
      assert.equal(got.grads.size, step.keys.length);
    } finally {
      await vae.release();
    }
  });

  /** The loss at each of `steps` AdamW updates on one fixed batch and noise. */
  async function fit(steps: number): Promise<number[]> {
    const images = sceneBatch([21, 22], SIZE);
    const eps = torchRandn(7, [2, Z, 4, 4], "f32");
    const weights = initialVaeWeights(DEMO_VAE, 3);
    const optimizer = new AdamW(weights, { lr: 1e-3, weightDecay: 0 });
    const losses: number[] = [];
    for (let t = 0; t < steps; t++) {
      const r = await step.run(images, eps, weights);
      losses.push(r.loss);
      optimizer.step(r.grads);
    }
    return losses;
  }

  test("AdamW on one fixed batch: the loss falls by more than half in 12 steps, deterministically", async (t) => {
    const losses = await fit(12);
    const first = losses[0] as number;
    const last = losses.at(-1) as number;
    t.diagnostic(`losses ${losses.map((l) => l.toFixed(4)).join(", ")}`);
    assert.ok(
      last < 0.5 * first,
      `loss ${first} -> ${last}: expected a fall by more than half (${losses.map((l) => l.toFixed(4)).join(", ")})`,
    );
    assert.deepEqual(await fit(12), losses, "the same seeds must give the same losses");
  });

  test("a batch or noise of the wrong shape is a VaeTrainingError", async () => {
    const weights = initialVaeWeights(DEMO_VAE, 3);
    const images = sceneBatch([1, 2], SIZE);
    await assert.rejects(step.run(images, tensor("f32", [2, Z, 8, 8]), weights), VaeTrainingError);
    await assert.rejects(step.run(sceneBatch([1, 2], 36), tensor("f32", [2, Z, 4, 4]), weights), VaeTrainingError);
    await assert.rejects(step.run(sceneBatch([1], SIZE), tensor("f32", [1, Z, 4, 4]), weights), /opened for images \[2, 3, 32, 32\]/);
    await assert.rejects(step.run(sceneBatch([1, 2], 40), tensor("f32", [2, Z, 5, 5]), weights), /opened for images/);
    const missing = new Map(weights);
    missing.delete("decoder.conv_out.bias");
    await assert.rejects(step.run(images, tensor("f32", [2, Z, 4, 4]), missing), /decoder\.conv_out\.bias/);
  });
});
