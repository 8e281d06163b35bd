/**
 * What noise selection needs of an editing method, once its request is prepared (the condition
 * through the VAE encoder, the text given): the seeded draws of a candidate exactly as the method's
 * plain run with that seed makes them, and the transformer conditioning of a batch of candidates.
 * Everything else (the early steps, the previews, the tournament, the winner's last steps) is the
 * same for every method (run.ts). ICEdit's sampler: fill-sampler.ts; Kontext's: kontext/sampler.ts.
 */
import type { Tensor } from "../../tensor.js";
import type { FillConventions } from "../fill/conventions.js";
import type { DenoiseConditioning } from "../fill/denoise.js";

/** One candidate: its seed and its initial noise [1, 16, H/8, W/8] (and what else the method drew). */
export interface SelectionCandidate {
  readonly seed: number;
  readonly noise: Tensor<"f32">;
}

export interface SelectionSampler<C extends SelectionCandidate = SelectionCandidate> {
  /** The output latent's grid: H/8 and W/8 of the image the noisy tokens decode to. */
  readonly latentHeight: number;
  readonly latentWidth: number;
  /** The n + 1 times of the whole run. */
  readonly schedule: Float32Array;
  /** The time value the transformer sees for schedule time t; absent: t itself. */
  readonly modelTime?: (t: number) => number;
  /** How the decoder's output becomes uint8 pixels (as the method's plain run does it). */
  readonly toUint8: FillConventions["toUint8"];
  /** The candidate of `seed`: every draw a plain run with that seed makes, in its order. */
  candidate(seed: number): C;
  /** The transformer conditioning of `candidates` as one batch (their noisy tokens' ids included). */
  conditioning(candidates: readonly C[]): DenoiseConditioning;
}
