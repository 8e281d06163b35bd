/**
 * The first m steps of all candidates of a noise selection, whichever the method, run as batches
 * through the transformer (one session run per step for a whole batch), each candidate keeping its
 * step-m state (where the winner continues) and its x0 estimate (its preview).
 */
import type { FluxTransformer } from "../../components/flux/transformer.js";
import { estimateX0 } from "../../sampling/euler.js";
import { packLatents } from "../../sampling/packing.js";
import type { Tensor } from "../../tensor.js";
import { denoise } from "../fill/denoise.js";
import { InvalidArgumentError } from "../../errors.js";
import { sliceBatch, stackBatch } from "../sampler/batch.js";
import { StepCache } from "../step-cache/step-cache.js";
import type { StepCacheSettings } from "../step-cache/settings.js";
import type { SamplerCandidate, Sampler } from "../sampler/sampler.js";

export interface EarlyState {
  /** [1, L, 64]: x after step m, at schedule time t_m (where the winner continues). */
  readonly x: Tensor<"f32">;
  /** [1, L, 64]: the clean-latent estimate x0 = x_{t_{m-1}} - t_{m-1} * v_{m-1} of the m-th evaluation. */
  readonly x0: Tensor<"f32">;
  /** This candidate's step cache after step m (with step caching on). */
  readonly cache?: StepCache;
}

export interface EarlyResult {
  readonly states: readonly EarlyState[];
  /** One per session run. */
  readonly stepMs: readonly number[];
  readonly runs: number;
  readonly nfe: number;
}

export interface EarlyOptions {
  /** Candidates per transformer run (default: all of them in one batch). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  /** Step caching, each candidate deciding for itself; absent: off. */
  readonly cache?: StepCacheSettings;
  /** (0, total) before the first session run, then after each: done of total runs. */
  readonly onRun?: (done: number, total: number, ms: number) => void;
}

/**
 * Runs steps [0, m) for every candidate, `batchSize` candidates per session run. The preview
 * estimate uses the last evaluated velocity v (at schedule time t_{m-1}, the m-th evaluation)
 * and the state it was evaluated at; since the Euler step is linear in v, it equals
 * x_{t_m} - t_m * v up to float rounding.
 */
export async function runEarlySteps<C extends SamplerCandidate>(
  transformer: FluxTransformer,
  sampler: Sampler<C>,
  candidates: readonly C[],
  m: number,
  options: EarlyOptions = {},
): Promise<EarlyResult> {
  const size = options.batchSize ?? candidates.length;
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidArgumentError(`the candidate batch size must be a whole number of at least 1, got ${size}`);
  const steps = sampler.schedule.length - 1;
  if (m < 1 || m > steps) throw new InvalidArgumentError(`early steps must be within 1..${steps}, got ${m}`);
  const chunks: C[][] = [];
  for (let i = 0; i < candidates.length; i += size) chunks.push(candidates.slice(i, i + size));
  const totalRuns = chunks.length * m;
  const states: EarlyState[] = [];
  const stepMs: number[] = [];
  let nfe = 0;
  options.onRun?.(0, totalRuns, 0);
  for (const chunk of chunks) {
    let x0: Tensor<"f32"> | null = null;
    const cache = options.cache ? StepCache.start(options.cache, steps, chunk.length) : undefined;
    const x = await denoise(
      transformer,
      stackBatch(chunk.map((c) => packLatents(c.noise))),
      sampler.conditioning(chunk),
      sampler.schedule,
      {
        from: 0,
        to: m,
        modelTime: sampler.modelTime,
        signal: options.signal,
        cache,
        onStep: (info) => {
          nfe += chunk.length;
          stepMs.push(info.ms);
          if (info.step === m) x0 = estimateX0(info.x, info.v, info.t);
          options.onRun?.(stepMs.length, totalRuns, info.ms);
        },
      },
    );
    const estimate = x0 as Tensor<"f32"> | null;
    if (!estimate) throw new InvalidArgumentError("the early steps ended without an estimate");
    chunk.forEach((_, i) =>
      states.push({ x: sliceBatch(x, i), x0: sliceBatch(estimate, i), ...(cache ? { cache: cache.pick([i]) } : {}) }),
    );
  }
  return { states, stepMs, runs: totalRuns, nfe };
}
