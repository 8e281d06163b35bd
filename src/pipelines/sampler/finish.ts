/**
 * The end of every run on a method's sampler: Euler steps [from, n) of one candidate, then its
 * noisy tokens unpacked and decoded to pixels. A plain run (fill, Kontext: plainRun) runs it from
 * step 0 on the candidate's noise; noise selection's winner from its own step-m state.
 */
import { packLatents, unpackLatents } from "../../sampling/packing.js";
import type { Tensor } from "../../tensor.js";
import { denoise, type StepInfo } from "../fill/denoise.js";
import { tensorToImage } from "../fill/pixels.js";
import type { StepCacheRecord, StepCacheSettings } from "../step-cache/settings.js";
import { StepCache } from "../step-cache/step-cache.js";
import type { Sampler, SamplerCandidate, SamplerModels } from "./sampler.js";

export interface FinishOptions {
  /** The schedule index `x` is at (default 0: the candidate's noise). */
  readonly from?: number;
  readonly signal?: AbortSignal;
  /** The trajectory's step cache (it carries over from earlier steps of the same candidate). */
  readonly cache?: StepCache;
  readonly onStep?: (info: StepInfo) => void;
  /** Before (0) and after (1) the decoder runs. */
  readonly onDecode?: (done: 0 | 1) => void;
}

export interface FinishedRun {
  /** [H, W, 3] uint8, H = 8 latentHeight, W = 8 latentWidth */
  readonly image: Tensor<"u8">;
  /** [1, 3, H, W] decoder output (before clamping) */
  readonly decoded: Tensor<"f32">;
  /** [1, 16, H/8, W/8] final latent (scaled) */
  readonly latent: Tensor<"f32">;
  /** Wall time of the steps run here, and of each of them. */
  readonly denoiseMs: number;
  readonly stepMs: readonly number[];
  readonly decodeMs: number;
}

/** x: [1, L, 64] noisy tokens of `candidate` at schedule index `from` -> the decoded image of its step n. */
export async function finishRun<C extends SamplerCandidate>(
  models: SamplerModels,
  sampler: Sampler<C>,
  candidate: C,
  x: Tensor<"f32">,
  options: FinishOptions = {},
): Promise<FinishedRun> {
  const stepMs: number[] = [];
  const denoiseStart = performance.now();
  const last = await denoise(models.transformer, x, sampler.conditioning([candidate]), sampler.schedule, {
    from: options.from ?? 0,
    modelTime: sampler.modelTime,
    signal: options.signal,
    cache: options.cache,
    onStep: (info) => {
      stepMs.push(info.ms);
      options.onStep?.(info);
    },
  });
  const denoiseMs = performance.now() - denoiseStart;

  const decodeStart = performance.now();
  options.onDecode?.(0);
  const latent = unpackLatents(last, sampler.latentHeight, sampler.latentWidth);
  const { image: decoded } = await models.vae.decode(latent);
  const image = tensorToImage(decoded, sampler.toUint8);
  const decodeMs = performance.now() - decodeStart;
  options.onDecode?.(1);
  return { image, decoded, latent, denoiseMs, stepMs, decodeMs };
}

/** What a plain run takes of its method's sampling options. */
export interface PlainRunOptions {
  readonly steps: number;
  /** Step caching; absent: off. */
  readonly cache?: StepCacheSettings;
  readonly signal?: AbortSignal;
  readonly onStep?: (info: StepInfo) => void;
}

/**
 * A plain run: noise [1, 16, H/8, W/8] of `candidate` denoised over the whole schedule and
 * decoded, with its own step cache when asked for; progress as the "denoise" and "decode" stages.
 */
export async function plainRun<C extends SamplerCandidate>(
  models: SamplerModels,
  sampler: Sampler<C>,
  candidate: C,
  noise: Tensor<"f32">,
  options: PlainRunOptions,
  report: (stage: "denoise" | "decode", step: number, steps: number) => void,
): Promise<FinishedRun & { readonly cache?: StepCacheRecord }> {
  const cache = options.cache ? StepCache.start(options.cache, options.steps, 1) : undefined;
  report("denoise", 0, options.steps);
  const run = await finishRun(models, sampler, candidate, packLatents(noise), {
    signal: options.signal,
    cache,
    onStep: (info) => {
      options.onStep?.(info);
      report("denoise", info.step, info.steps);
    },
    onDecode: (done) => report("decode", done, 1),
  });
  return cache ? { ...run, cache: cache.record() } : run;
}
