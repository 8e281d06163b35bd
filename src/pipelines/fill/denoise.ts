/**
 * The Euler denoising loop over a schedule, with the transformer session held across steps,
 * cancellation between steps and a NaN/Inf guard. Runs any sub-range of the steps, so a caller
 * can stop early (noise selection) and continue later from the same state. The conditioning is
 * channel-wise (FLUX.1 Fill: appended to each noisy token's features) or sequence-wise (FLUX.1
 * Kontext: extra tokens after the noisy ones, whose outputs are cut off), as BFL denoise takes
 * img_cond and img_cond_seq.
 */
import type { FluxTransformer } from "../../components/flux/transformer.js";
import { eulerStep, firstNonFinite } from "../../sampling/euler.js";
import { guidedVelocity } from "../../sampling/true-cfg.js";
import { concatSequence, concatTokens, firstTokens } from "../../sampling/packing.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { StepCache } from "../step-cache/step-cache.js";
import { InvalidArgumentError } from "../../errors.js";
import { CancelledError, NonFiniteLatentError } from "./errors.js";

/** Condition tokens appended after the noisy ones (BFL img_cond_seq, img_cond_seq_ids). */
export interface SequenceCondition {
  /** [B, Lc, in_channels] */
  readonly tokens: Tensor<"f32">;
  /** [B, Lc, 3] */
  readonly ids: Tensor<"f32">;
}

export interface DenoiseConditioning {
  /** [B, L, C]: features appended to each noisy token (Fill: masked-image latent 64 and mask 256); absent: none. */
  readonly imgCond?: Tensor<"f32">;
  /** Extra tokens after the noisy ones (Kontext); absent: none. */
  readonly imgCondSeq?: SequenceCondition;
  /** [B, L, 3]: the noisy tokens' ids. */
  readonly imgIds: Tensor<"f32">;
  /** [B, T, context] */
  readonly txt: Tensor<"f32">;
  /** [B, T, 3] */
  readonly txtIds: Tensor<"f32">;
  /** [B, vec] */
  readonly y: Tensor<"f32">;
  /** Distilled guidance, one per sample. */
  readonly guidance: readonly number[];
  /** True classifier-free guidance: a second run per step on this text; absent: one run. */
  readonly negative?: NegativeConditioning;
}

/** True CFG's negative prompt, encoded (T5 [1, Tn, context], CLIP pooled [1, vec]), and the scale (> 1). */
export interface NegativePrompt {
  readonly txt: Tensor<"f32">;
  readonly y: Tensor<"f32">;
  readonly scale: number;
}

/** The negative prompt's text of true CFG (sampling/true-cfg.ts) for a batch, and its scale (> 1). */
export interface NegativeConditioning {
  /** [B, Tn, context] */
  readonly txt: Tensor<"f32">;
  /** [B, Tn, 3] */
  readonly txtIds: Tensor<"f32">;
  /** [B, vec] */
  readonly y: Tensor<"f32">;
  readonly scale: number;
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
  const noisyTokens = x.dims[1] as number;
  const seq = cond.imgCondSeq;
  const imgIds = seq ? concatSequence([cond.imgIds, seq.ids]) : cond.imgIds;
  if (cond.negative && options.cache)
    throw new InvalidArgumentError("step caching and true CFG (a negative prompt) cannot be combined yet");
  let current = x;
  for (let i = from; i < to; i++) {
    if (options.signal?.aborted) throw new CancelledError(i, steps);
    const tCurr = schedule[i] as number;
    const tPrev = schedule[i + 1] as number;
    const modelT = options.modelTime ? options.modelTime(tCurr) : tCurr;
    const start = performance.now();
    const withFeatures = cond.imgCond ? concatTokens([current, cond.imgCond]) : current;
    const call = {
      img: seq ? concatSequence([withFeatures, seq.tokens]) : withFeatures,
      imgIds,
      txt: cond.txt,
      txtIds: cond.txtIds,
      timesteps: tensor("f32", [batch], new Float32Array(batch).fill(modelT)),
      y: cond.y,
      guidance,
    };
    const { out } = options.cache ? await options.cache.evaluate(transformer, call, i) : await transformer.forward(call);
    // out: [B, L (+ Lc), 64]; the condition tokens' outputs are dropped.
    const positive = seq ? firstTokens(out, noisyTokens) : out;
    const negative = cond.negative;
    let v = positive;
    if (negative) {
      const { out: negativeOut } = await transformer.forward({ ...call, txt: negative.txt, txtIds: negative.txtIds, y: negative.y });
      v = guidedVelocity(positive, seq ? firstTokens(negativeOut, noisyTokens) : negativeOut, negative.scale);
    }
    const next = eulerStep(current, v, tCurr, tPrev);
    const bad = firstNonFinite(next.data);
    if (bad >= 0) throw new NonFiniteLatentError(i + 1, steps, Number.isNaN(next.data[bad]) ? "NaN" : "infinite values");
    options.onStep?.({ step: i + 1, steps, t: tCurr, x: current, v, next, ms: performance.now() - start });
    current = next;
  }
  return current;
}
