/**
 * The VAE's decoder step (VaeTrainingStep with input "latent") and trainDemoVae on latent pairs, on
 * the demo VAE at 32x32:
 * - the step's mse is that of the inference VAE's decode (src/components/vae, another graph) of
 *   the same (unscaled) latents against the images, in float64; it trains the decoder's weights only;
 * - its gradients match central finite differences along the gradient (three decoder tensors);
 * - 10 steps of trainDemoVae on pairs (the encoder's means plus noise, images the clean scenes)
 *   lower the loss and leave every encoder weight as it was, bit for bit;
 * - pairs of mismatched shapes, or train "all" with pairs, are VaeTrainingErrors.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Vae } from "../../../src/components/vae/vae.js";
import { DEMO_VAE } from "../../../src/demo/make-demo-model.js";
import { Engine } from "../../../src/runtime/engine.js";
import { torchRandn } from "../../../src/sampling/torch-rng.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { initialVaeWeights, sceneBatch, trainDemoVae, VaeTrainingError, VaeTrainingStep } from "../../../src/train/vae/index.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { checkAlongGradients } from "../step/gradient-direction.js";

const SIZE = 32;
const Z = DEMO_VAE.zChannels;
const SHAPE = { batch: 2, height: SIZE, width: SIZE };

describe("the VAE decoder step on latents", () => {
  let engine: Engine;
  let step: VaeTrainingStep;
  before(async () => {
    engine = new Engine();
    step = await VaeTrainingStep.open(engine, { params: DEMO_VAE, seed: 3, shape: SHAPE, input: "latent" });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  test("its mse is the inference decoder's, and only the decoder's weights train", async () => {
    const images = sceneBatch([11, 12], SIZE);
    const latents = torchRandn(5, [2, Z, 4, 4], "f32");
    const weights = initialVaeWeights(DEMO_VAE, 3);
    const got = await step.run(images, latents, weights);
    const vae = await Vae.open(engine, { params: DEMO_VAE, weights: memorySource(weights) });
    try {
      // the inference decoder takes scaled latents: latent = (z - shift) * scale
      const scaled = latents.data.map((z) => (z - DEMO_VAE.shiftFactor) * DEMO_VAE.scaleFactor);
      const recon = (await vae.decode(tensor("f32", latents.dims, scaled))).image;
      let sq = 0;
      for (let i = 0; i < images.data.length; i++) sq += ((recon.data[i] as number) - (images.data[i] as number)) ** 2;
      const mse = sq / images.data.length;
      assert.ok(Math.abs(got.mse - mse) <= 1e-4 * mse, `step mse ${got.mse}, inference decoder ${mse}`);
      assert.equal(got.loss, got.mse);
      assert.equal(got.kl, 0);
    } finally {
      await vae.release();
    }
    const decoderKeys = [...weights.keys()].filter((k) => k.startsWith("decoder."));
    assert.deepEqual([...got.grads.keys()].sort(), decoderKeys.sort());
    assert.ok(step.keys.every((k) => k.startsWith("decoder.")));
  });

  test("its gradients match finite differences along them", async () => {
    const images = sceneBatch([31, 32], SIZE);
    const latents = torchRandn(6, [2, Z, 4, 4], "f32");
    const weights = initialVaeWeights(DEMO_VAE, 3);
    const { grads } = await step.run(images, latents, weights);
    const keys = ["decoder.conv_in.weight", "decoder.mid.block_1.conv1.weight", "decoder.conv_out.bias"];
    for (const key of keys) assert.ok(weights.has(key), `the demo VAE has ${key}`);
    await checkAlongGradients(keys, weights, grads, async () => (await step.run(images, latents, weights)).loss, 0.02);
  });

  test("latents of the wrong shape are a VaeTrainingError that names them", async () => {
    const weights = initialVaeWeights(DEMO_VAE, 3);
    await assert.rejects(step.run(sceneBatch([1, 2], SIZE), tensor("f32", [2, Z, 8, 8]), weights), /the latent must be \[2, \d+, 4, 4\]/);
  });
});

describe("trainDemoVae on latent pairs", () => {
  /** Latents of noisy scenes (the encoder's, plus noise: a transformer's imperfect output) and the clean scenes. */
  async function pairs(count: number): Promise<{ latents: Tensor<"f32">; images: Tensor<"f32"> }> {
    const images = sceneBatch(
      Array.from({ length: count }, (_, i) => 40 + i),
      SIZE,
    );
    const engine = new Engine();
    const vae = await Vae.open(engine, { params: DEMO_VAE, weights: memorySource(initialVaeWeights(DEMO_VAE, 0)) });
    try {
      const { mean } = await vae.encode(images);
      const noise = torchRandn(9, mean.dims, "f32");
      return {
        latents: tensor(
          "f32",
          mean.dims,
          mean.data.map((v, i) => v + 0.3 * (noise.data[i] as number)),
        ),
        images,
      };
    } finally {
      await vae.release();
      await engine.close();
    }
  }

  test("10 steps lower the loss and leave the encoder as it was", async () => {
    const latentPairs = await pairs(6);
    const initialWeights = initialVaeWeights(DEMO_VAE, 0);
    const losses: number[] = [];
    const trained = await trainDemoVae({
      seed: 4,
      steps: 10,
      size: SIZE,
      batch: 2,
      lr: 1e-3,
      initialWeights,
      latentPairs,
      onStep: (r) => losses.push(r.loss),
    });
    const head = (losses[0] as number) + (losses[1] as number);
    const tail = (losses[8] as number) + (losses[9] as number);
    assert.ok(tail < 0.8 * head, `losses ${losses.map((l) => l.toFixed(4)).join(", ")}: the last two should be well below the first two`);
    for (const [key, w] of initialWeights) {
      const same = (trained.get(key) as Tensor<"f32">).data.every((v, i) => v === w.data[i]);
      assert.equal(same, !key.startsWith("decoder."), `${key} ${key.startsWith("decoder.") ? "should train" : "should be kept"}`);
    }
  });

  test("mismatched pairs, or train 'all' with pairs, are VaeTrainingErrors", async () => {
    const good = await pairs(2);
    const base = { seed: 0, steps: 1, size: SIZE, batch: 1, lr: 1e-3 };
    const fewer = { latents: good.latents, images: sceneBatch([1], SIZE) };
    await assert.rejects(trainDemoVae({ ...base, latentPairs: fewer }), /latent pairs need latents/);
    const wrongSize = { latents: good.latents, images: sceneBatch([1, 2], 40) };
    await assert.rejects(trainDemoVae({ ...base, latentPairs: wrongSize }), VaeTrainingError);
    await assert.rejects(trainDemoVae({ ...base, latentPairs: good, train: "all" }), /train the decoder alone/);
  });
});
