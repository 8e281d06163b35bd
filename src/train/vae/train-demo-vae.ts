/**
 * Trains the demo VAE (DEMO_VAE) from scratch as an autoencoder on scenes drawn on the fly: each
 * step renders `batch` fresh scenes (seeds drawn from `seed`, all below HELD_OUT_FIRST_SEED), draws
 * the reparameterisation noise with the torch-compatible randn seeded per step, runs the training
 * step and updates every weight with AdamW. Returns the weights by BFL key, the keys and layout
 * make-demo-model converts to the diffusers vae/ folder.
 */
import { DEMO_VAE } from "../../demo/make-demo-model.js";
import { validateVaeParams, type VaeParams } from "../../models/vae/params.js";
import { Prng } from "../../numeric/prng.js";
import { stackBatch, sliceBatch } from "../../pipelines/sampler/batch.js";
import { Engine } from "../../runtime/engine.js";
import { torchRandn } from "../../sampling/torch-rng.js";
import { shapeString, tensor, type Tensor } from "../../tensor.js";
import { AdamW } from "../optim/adamw.js";
import { VaeTrainingError } from "./errors.js";
import { initialVaeWeights } from "./init.js";
import { HELD_OUT_FIRST_SEED, sceneBatch } from "./scene-batch.js";
import type { VaeBatchShape } from "./graph.js";
import { VaeTrainingStep } from "./training-step.js";

export interface VaeStepReport {
  /** 1-based. */
  readonly step: number;
  readonly loss: number;
  readonly mse: number;
  readonly kl: number;
  readonly ms: number;
}

/** Latents and the images they should decode to, pair i at index i of each. */
export interface LatentPairs {
  /** [N, z, h, w], unscaled latents: the decoder's input z = latent / scale + shift. */
  readonly latents: Tensor<"f32">;
  /** [N, in, f h, f w] in [-1, 1]. */
  readonly images: Tensor<"f32">;
}

export interface TrainDemoVaeOptions {
  readonly seed: number;
  readonly steps: number;
  /** Scene side in pixels, a multiple of the VAE's factor (8). */
  readonly size: number;
  readonly batch: number;
  readonly lr: number;
  /**
   * Scenes side by side in each training image (default 1): 2 trains on 2:1 diptychs of two
   * scenes, the shape an ICEdit edit encodes and decodes, so the seam between two backgrounds is
   * learnt (a VAE that only saw single scenes smears it into the right half).
   */
  readonly panels?: number;
  /**
   * Train the decoder alone (the default `train` with pairs) on latents something else produced (a transformer's edits), each with
   * the image it should decode to: latents [N, z, h, w] (unscaled: the decoder's input z = latent /
   * scale + shift), images [N, in, f h, f w] in [-1, 1]. Each step draws `batch` of the N pairs with `seed`; `size`,
   * `panels` and `scenePool` are then unused, and only the decoder learns (`train` "all" is refused).
   */
  readonly latentPairs?: LatentPairs;
  /** Train on these scene seeds only, cycled in order (default: fresh scenes every step, drawn from `seed`). */
  readonly scenePool?: readonly number[];
  readonly weightDecay?: number;
  readonly klWeight?: number;
  /**
   * "decoder": update the decoder's weights only, so the latent space (the encoder, and the
   * transformer trained on its latents) stays as it is: a better decoder for a trained model.
   * Default "all", or "decoder" with latentPairs.
   */
  readonly train?: "all" | "decoder";
  /** Default DEMO_VAE. */
  readonly params?: VaeParams;
  /** Default: the seeded init of init.ts at `seed`. */
  readonly initialWeights?: ReadonlyMap<string, Tensor<"f32">>;
  /** Default: an engine of its own, closed at the end. */
  readonly engine?: Engine;
  readonly onStep?: (report: VaeStepReport) => void;
  /** Stops after the step in flight; the weights so far are returned. */
  readonly signal?: AbortSignal;
}

function checkOptions(o: TrainDemoVaeOptions, factor: number): void {
  const counts = { steps: o.steps, size: o.size, batch: o.batch, panels: o.panels ?? 1 };
  for (const [key, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 1) throw new VaeTrainingError(`trainDemoVae: ${key} must be a positive integer, got ${value}`);
  }
  if (o.size % factor !== 0) throw new VaeTrainingError(`trainDemoVae: size ${o.size} must be a multiple of the VAE's factor ${factor}`);
  if (o.scenePool?.length === 0) throw new VaeTrainingError("trainDemoVae: the scene pool is empty");
  if (!Number.isInteger(o.seed) || o.seed < 0)
    throw new VaeTrainingError(`trainDemoVae: seed must be a non-negative integer, got ${o.seed}`);
  if (o.latentPairs && o.train === "all")
    throw new VaeTrainingError('trainDemoVae: latent pairs train the decoder alone (the latents come from elsewhere), but train is "all"');
}

/** The pairs' count and image shape, checked against each other and the VAE: latents [N, z, h, w], images [N, in, f h, f w]. */
function checkPairs(pairs: LatentPairs, params: VaeParams, factor: number): { count: number; height: number; width: number } {
  const [n, z, h, w] = pairs.latents.dims as number[];
  const want = [n, params.inChannels, factor * (h ?? 0), factor * (w ?? 0)];
  const fits = pairs.latents.dims.length === 4 && z === params.zChannels && pairs.images.dims.length === 4;
  if (!fits || (n ?? 0) < 1 || pairs.images.dims.some((d, i) => d !== want[i]))
    throw new VaeTrainingError(
      `trainDemoVae: latent pairs need latents [N >= 1, ${params.zChannels}, h, w] and images [N, ${params.inChannels}, ${factor}h, ${factor}w], got ${shapeString(pairs.latents.dims)} and ${shapeString(pairs.images.dims)}`,
    );
  return { count: n as number, height: want[2] as number, width: want[3] as number };
}

/** The decoder's weights (BFL keys decoder.*), the same tensors as in `weights`. */
function decoderWeights(weights: ReadonlyMap<string, Tensor<"f32">>): Map<string, Tensor<"f32">> {
  const decoder = new Map([...weights].filter(([key]) => key.startsWith("decoder.")));
  if (decoder.size === 0) throw new VaeTrainingError("trainDemoVae: no decoder.* weights to train");
  return decoder;
}

/** The gradients of the updated weights only (the optimizer refuses gradients of weights it does not hold). */
function gradientsOf(updated: ReadonlyMap<string, unknown>, grads: ReadonlyMap<string, Tensor<"f32">>): Map<string, Tensor<"f32">> {
  const kept = new Map<string, Tensor<"f32">>();
  for (const key of updated.keys()) {
    const g = grads.get(key);
    if (g === undefined) throw new VaeTrainingError(`trainDemoVae: the training step gave no gradient for ${key}`);
    kept.set(key, g);
  }
  return kept;
}

/** The noise seed of a step: distinct per (seed, step). */
function noiseSeed(seed: number, step: number): bigint {
  return (BigInt(seed) << 32n) + BigInt(step);
}

/** What a step is fed: the images and the noise eps (or, for latent pairs, the latents to decode). */
interface BatchSource {
  readonly shape: VaeBatchShape;
  next(step: number): { readonly image: Tensor<"f32">; readonly second: Tensor<"f32"> };
}

/** Fresh scenes (or the scene pool's, in order) of `panels` side by side, with the step's noise. */
function sceneBatches(options: TrainDemoVaeOptions, params: VaeParams, factor: number): BatchSource {
  const panels = options.panels ?? 1;
  const scenes = new Prng(options.seed);
  const latent = options.size / factor;
  const perStep = options.batch * panels;
  return {
    shape: { batch: options.batch, height: options.size, width: panels * options.size },
    next(t) {
      const pool = options.scenePool;
      const seeds = Array.from({ length: perStep }, (_, i) =>
        pool ? (pool[((t - 1) * perStep + i) % pool.length] as number) : scenes.nextUint32() % HELD_OUT_FIRST_SEED,
      );
      const eps = torchRandn(noiseSeed(options.seed, t), [options.batch, params.zChannels, latent, panels * latent], "f32");
      return { image: sceneBatch(seeds, options.size, panels), second: eps };
    },
  };
}

/** `batch` pairs drawn at random (with `seed`) each step. */
function pairBatches(
  pairs: LatentPairs,
  options: TrainDemoVaeOptions,
  size: { count: number; height: number; width: number },
): BatchSource {
  const draws = new Prng(options.seed);
  return {
    shape: { batch: options.batch, height: size.height, width: size.width },
    next() {
      const rows = Array.from({ length: options.batch }, () => draws.nextUint32() % size.count);
      const gather = (t: Tensor<"f32">): Tensor<"f32"> => stackBatch(rows.map((row) => sliceBatch(t, row)));
      return { image: gather(pairs.images), second: gather(pairs.latents) };
    },
  };
}

export async function trainDemoVae(options: TrainDemoVaeOptions): Promise<Map<string, Tensor<"f32">>> {
  const params = options.params ?? DEMO_VAE;
  const { factor } = validateVaeParams(params);
  checkOptions(options, factor);
  const weights = new Map<string, Tensor<"f32">>();
  for (const [key, w] of options.initialWeights ?? initialVaeWeights(params, options.seed)) {
    weights.set(key, tensor("f32", w.dims, w.data.slice()));
  }
  const engine = options.engine ?? new Engine();
  try {
    const pairs = options.latentPairs;
    const batches = pairs ? pairBatches(pairs, options, checkPairs(pairs, params, factor)) : sceneBatches(options, params, factor);
    const step = await VaeTrainingStep.open(engine, {
      params,
      klWeight: options.klWeight,
      initialWeights: weights,
      shape: batches.shape,
      input: pairs ? "latent" : "image",
    });
    try {
      const updated = (options.train ?? (pairs ? "decoder" : "all")) === "decoder" ? decoderWeights(weights) : weights;
      const optimizer = new AdamW(updated, { lr: options.lr, weightDecay: options.weightDecay ?? 0 });
      for (let t = 1; t <= options.steps && !options.signal?.aborted; t++) {
        const batch = batches.next(t);
        const result = await step.run(batch.image, batch.second, weights);
        optimizer.step(updated === weights ? result.grads : gradientsOf(updated, result.grads));
        options.onStep?.({ step: t, loss: result.loss, mse: result.mse, kl: result.kl, ms: result.ms });
      }
    } finally {
      await step.release();
    }
  } finally {
    if (!options.engine) await engine.close();
  }
  return weights;
}
