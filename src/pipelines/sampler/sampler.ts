/**
 * An editing method once its request is prepared (the condition through the VAE encoder, the text
 * given): the seeded draws of a candidate, and the transformer conditioning of a batch of
 * candidates. Everything else is the same for every method: a plain run is finishRun (finish.ts)
 * on one candidate from step 0; noise selection (noise-selection/run.ts) runs the early steps of
 * many, then finishRun on the winner. So a selection's winner is drawn and conditioned exactly as
 * a plain run with its seed. ICEdit's sampler: fill/sampler.ts; Kontext's: kontext/sampler.ts.
 */
import type { FluxTransformer } from "../../components/flux/transformer.js";
import type { Vae } from "../../components/vae/vae.js";
import type { Tensor } from "../../tensor.js";
import type { FillConventions } from "../fill/conventions.js";
import type { DenoiseConditioning } from "../fill/denoise.js";

/** One candidate: its seed and its initial noise [1, 16, H/8, W/8] (and what else the method drew). */
export interface SamplerCandidate {
  readonly seed: number;
  readonly noise: Tensor<"f32">;
}

export interface Sampler<C extends SamplerCandidate = SamplerCandidate> {
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

/** The models every run on a sampler uses (fill, Kontext, noise selection). */
export interface SamplerModels {
  readonly transformer: FluxTransformer;
  readonly vae: Vae;
}
