/**
 * The Euler denoising loop over a schedule, with the transformer session held across steps,
 * cancellation between steps and a NaN/Inf guard. Runs any sub-range of the steps, so a caller
 * can stop early (noise selection) and continue later from the same state.
 */
import type { FluxTransformer } from "../../components/flux/transformer.js";
import { eulerStep, firstNonFinite } from "../../sampling/euler.js";
import { concatTokens } from "../../sampling/packing.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { StepCache } from "../step-cache/step-cache.js";
import { CancelledError, NonFiniteLatentError } from "./errors.js";

export interface DenoiseConditioning {
  /** [B, L, 320]: masked-image latent (64) and mask (256) per token. */
  readonly imgCond: Tensor<"f32">;
  /** [B, L, 3] */
  readonly imgIds: Tensor<"f32">;
  /** [B, T, context] */
  readonly txt: Tensor<"f32">;
  /** [B, T, 3] */
  readonly txtIds: Tensor<"f32">;
  /** [B, vec] */
  readonly y: Tensor<"f32">;
  /** Distilled guidance, one per sample. */
  readonly guidance: readonly number[];
}

export interface StepInfo {
  /** 1-based index of the step that just finished. */
  readonly step: number;
  readonly steps: number;
  /** The time the model was evaluated at. */
  readonly t: number;
  /** x before the step, [B, L, 64]. */
  readonly x: Tensor<"f32">;
  /** The model's velocity, [B, L, 64]. */
  readonly v: Tensor<"f32">;
  /** x after the step. */
  readonly next: Tensor<"f32">;
  readonly ms: number;
}

export interface DenoiseOptions {
  /** First step to run (0-based) and the step to stop before; default the whole schedule. */
  readonly from?: number;
  readonly to?: number;
  /** The time value the model sees for schedule time t (diffusers passes (1000 t) / 1000). */
  readonly modelTime?: (t: number) => number;
  readonly onStep?: (info: StepInfo) => void;
  readonly signal?: AbortSignal;
  /** Step caching (its state carries over between calls on the same trajectory); absent: every step runs the whole transformer. */
  readonly cache?: StepCache;
}

/** x: [B, L, 64] at schedule index `from`; returns x at index `to`. */
export async function denoise(
  transformer: FluxTransformer,
  x: Tensor<"f32">,
  cond: DenoiseConditioning,
  schedule: Float32Array,
  options: DenoiseOptions = {},
): Promise<Tensor<"f32">> {
  const steps = schedule.length - 1;
  const from = options.from ?? 0;
  const to = options.to ?? steps;
  const batch = x.dims[0] as number;
  const guidance = tensor("f32", [batch], Float32Array.from(cond.guidance));
  let current = x;
  for (let i = from; i < to; i++) {
    if (options.signal?.aborted) throw new CancelledError(i, steps);
    const tCurr = schedule[i] as number;
    const tPrev = schedule[i + 1] as number;
    const modelT = options.modelTime ? options.modelTime(tCurr) : tCurr;
    const start = performance.now();
    const call = {
      img: concatTokens([current, cond.imgCond]),
      imgIds: cond.imgIds,
      txt: cond.txt,
      txtIds: cond.txtIds,
      timesteps: tensor("f32", [batch], new Float32Array(batch).fill(modelT)),
      y: cond.y,
      guidance,
    };
    const { out: v } = options.cache ? await options.cache.evaluate(transformer, call, i) : await transformer.forward(call);
    const next = eulerStep(current, v, tCurr, tPrev);
    const bad = firstNonFinite(next.data);
    if (bad >= 0) throw new NonFiniteLatentError(i + 1, steps, Number.isNaN(next.data[bad]) ? "NaN" : "infinite values");
    options.onStep?.({ step: i + 1, steps, t: tCurr, x: current, v, next, ms: performance.now() - start });
    current = next;
  }
  return current;
}
