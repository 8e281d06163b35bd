/**
 * FLUX.1 Fill: an image, a mask and text embeddings in, the repainted image out, with a record of
 * what was done. Pure: arrays and options in, pixels and a record out (no files, no console).
 */
import { InvalidArgumentError } from "../../errors.js";
import { shapeString, type Tensor } from "../../tensor.js";
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "./conventions.js";
import type { NegativePrompt, StepInfo } from "./denoise.js";
import { CancelledError } from "./errors.js";
import { checkPixels, type SizePolicy } from "./pixels.js";
import type { FillConditioning } from "./prepare.js";
import { fillSampler } from "./sampler.js";
import { LATENT_CHANNELS } from "./stages.js";
import { plainRun } from "../sampler/finish.js";
import type { SamplerModels } from "../sampler/sampler.js";
import type { StepCacheRecord, StepCacheSettings } from "../step-cache/settings.js";

export { LATENT_CHANNELS } from "./stages.js";

export type FillModels = SamplerModels;

export interface FillRequest {
  /** [H, W, 3] uint8 RGB */
  readonly image: Tensor<"u8">;
  /** [H, W] uint8, 255 = repaint */
  readonly mask: Tensor<"u8">;
  /** T5 hidden states [1, T, context] */
  readonly txt: Tensor<"f32">;
  /** CLIP pooled [1, vec] */
  readonly y: Tensor<"f32">;
  /** True classifier-free guidance; absent: off. */
  readonly negative?: NegativePrompt;
}

export type FillStage = "prepare" | "denoise" | "decode";

export interface FillProgress {
  readonly stage: FillStage;
  readonly step: number;
  readonly steps: number;
  readonly ms: number;
}

/** What every sampling run takes (fill and Kontext): the seed, steps, guidance, explicit noise and the callbacks. */
export interface SamplingOptions {
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  /** Explicit initial noise [1, 16, H/8, W/8] instead of the seeded draw. */
  readonly noise?: Tensor<"f32">;
  readonly onProgress?: (progress: FillProgress) => void;
  readonly onStep?: (info: StepInfo) => void;
  readonly signal?: AbortSignal;
  /** Step caching (First-Block Cache or TeaCache); absent: off. */
  readonly cache?: StepCacheSettings;
}

export interface FillOptions extends SamplingOptions {
  readonly conventions?: FillConventions;
  readonly sizePolicy?: SizePolicy;
}

/** Where a sampling run's time went (fill, Kontext, and a selection's winner as a plain run would record it). */
export interface RunTimings {
  readonly prepareMs: number;
  readonly denoiseMs: number;
  readonly stepMs: readonly number[];
  readonly decodeMs: number;
  readonly totalMs: number;
}

export interface FillRecord {
  readonly conventions: FillConventions["name"];
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  readonly width: number;
  readonly height: number;
  readonly imageTokens: number;
  readonly schedule: readonly number[];
  readonly timings: RunTimings;
  /** Step caching, when it was on: its settings and the steps it skipped. */
  readonly cache?: StepCacheRecord;
}

export interface FillResult {
  /** [H, W, 3] uint8 */
  readonly image: Tensor<"u8">;
  /** [1, 3, H, W] decoder output in [-1, 1] (before clamping) */
  readonly decoded: Tensor<"f32">;
  /** [1, 16, H/8, W/8] final latent (scaled) */
  readonly latent: Tensor<"f32">;
  readonly noise: Tensor<"f32">;
  readonly conditioning: FillConditioning;
  readonly record: FillRecord;
}

/** The numbers and text embeddings every sampler takes (fill and Kontext). */
export function checkFillOptions(
  options: Pick<FillOptions, "seed" | "steps" | "guidance">,
  request: Pick<FillRequest, "txt" | "y" | "negative">,
): void {
  if (!Number.isInteger(options.steps) || options.steps < 1) {
    throw new InvalidArgumentError(`steps must be a whole number of at least 1, got ${options.steps}`);
  }
  if (!Number.isFinite(options.guidance)) throw new InvalidArgumentError(`guidance must be a finite number, got ${options.guidance}`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new InvalidArgumentError(`seed must be a whole number >= 0, got ${options.seed}`);
  }
  if (request.txt.dims.length !== 3 || request.txt.dims[0] !== 1) {
    throw new InvalidArgumentError(`txt must be [1, tokens, features], got ${shapeString(request.txt.dims)}`);
  }
  if (request.y.dims.length !== 2 || request.y.dims[0] !== 1) {
    throw new InvalidArgumentError(`y must be [1, features], got ${shapeString(request.y.dims)}`);
  }
  const negative = request.negative;
  if (negative) {
    if (!(negative.scale > 1) || !Number.isFinite(negative.scale))
      throw new InvalidArgumentError(`the true CFG scale must be a finite number > 1, got ${negative.scale}`);
    if (negative.txt.dims.length !== 3 || negative.txt.dims[0] !== 1 || negative.txt.dims[2] !== request.txt.dims[2])
      throw new InvalidArgumentError(`the negative txt must be [1, tokens, ${request.txt.dims[2]}], got ${shapeString(negative.txt.dims)}`);
    if (negative.y.dims.join() !== request.y.dims.join())
      throw new InvalidArgumentError(`the negative y must be ${shapeString(request.y.dims)}, got ${shapeString(negative.y.dims)}`);
  }
}

export async function fill(models: FillModels, request: FillRequest, options: FillOptions): Promise<FillResult> {
  checkFillOptions(options, request);
  const conventions = options.conventions ?? DIFFUSERS_CONVENTIONS;
  const started = performance.now();
  const pixels = checkPixels(request.image, request.mask, options.sizePolicy);
  const latentDims = [1, LATENT_CHANNELS, pixels.height / 8, pixels.width / 8];
  if (options.noise && options.noise.dims.join() !== latentDims.join()) {
    throw new InvalidArgumentError(
      `noise must be ${shapeString(latentDims)} for a ${pixels.width}x${pixels.height} image, got ${shapeString(options.noise.dims)}`,
    );
  }
  const report = (stage: FillStage, step: number, steps: number): void =>
    options.onProgress?.({ stage, step, steps, ms: performance.now() - started });

  report("prepare", 0, 1);
  const { txt, y, negative } = request;
  const sampler = await fillSampler(models.vae, {
    pixels,
    conventions,
    steps: options.steps,
    txt,
    y,
    negative,
    guidance: options.guidance,
  });
  // The seeded draws in the convention's order; explicit noise replaces the noise draw only.
  const candidate = sampler.candidate(options.seed);
  const noise = options.noise ?? candidate.noise;
  const prepareMs = performance.now() - started;
  report("prepare", 1, 1);
  if (options.signal?.aborted) throw new CancelledError(0, options.steps);

  const run = await plainRun(models, sampler, candidate, noise, options, report);
  const { image, decoded, latent, denoiseMs, stepMs, decodeMs } = run;
  return {
    image,
    decoded,
    latent,
    noise,
    conditioning: candidate.conditioning,
    record: {
      conventions: conventions.name,
      seed: options.seed,
      steps: options.steps,
      guidance: options.guidance,
      width: pixels.width,
      height: pixels.height,
      imageTokens: (sampler.latentHeight / 2) * (sampler.latentWidth / 2),
      schedule: [...sampler.schedule],
      timings: { prepareMs, denoiseMs, stepMs, decodeMs, totalMs: performance.now() - started },
      ...(run.cache ? { cache: run.cache } : {}),
    },
  };
}
