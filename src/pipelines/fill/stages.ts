/**
 * The pieces of the fill pipeline that a caller can run on its own: the seeded draws of one seed,
 * the schedule and the model's time of a convention. fill() is built from them, and noise
 * selection uses them to prepare M candidates exactly as M plain fills would be prepared.
 */
import { bf16ToF32 } from "../../numeric/float16.js";
import { getDiffusersSchedule, getSchedule } from "../../sampling/schedule.js";
import { TorchGenerator } from "../../sampling/torch-rng.js";
import { InvalidArgumentError } from "../../errors.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { FillConventions } from "./conventions.js";

const fr = Math.fround;

export const LATENT_CHANNELS = 16;

/** A standard-normal draw of `dims` in the convention's dtype, as float32. */
export function drawNormal(generator: TorchGenerator, dims: readonly number[], dtype: FillConventions["noiseDtype"]): Tensor<"f32"> {
  const t = generator.randn(dims, dtype);
  return t.dtype === "bf16" ? tensor("f32", t.dims, bf16ToF32(t.data as Uint16Array)) : (t as Tensor<"f32">);
}

export interface SeededDraws {
  /** [1, 16, h, w]: the initial noise. */
  readonly noise: Tensor<"f32">;
  /**
   * [1, 16, h, w]: the standard-normal draw of the masked-image posterior sample, when the
   * convention samples it (diffusers); null for the posterior mean (BFL).
   */
  readonly maskedEps: Tensor<"f32"> | null;
}

/**
 * Every draw that a fill with `seed` makes, in the convention's order (the values depend on the
 * order: diffusers draws the unused image posterior sample first, then the noise, then the masked
 * image's sample). `noise` replaces the drawn noise (its shape is the caller's to check); the
 * other draws still happen.
 */
export function drawSeeded(seed: number, latentDims: readonly number[], conventions: FillConventions, noise?: Tensor<"f32">): SeededDraws {
  const generator = new TorchGenerator(seed);
  let chosen: Tensor<"f32"> | null = noise ?? null;
  let maskedEps: Tensor<"f32"> | null = null;
  for (const what of conventions.drawOrder) {
    const drawn = drawNormal(generator, latentDims, conventions.noiseDtype);
    if (what === "noise" && !chosen) chosen = drawn;
    if (what === "masked-sample") maskedEps = drawn;
  }
  if (!chosen) throw new InvalidArgumentError(`conventions ${conventions.name} draw no noise`);
  // A convention that samples the masked latent without listing the draw takes it next.
  if (conventions.maskedLatent === "sample" && !maskedEps) maskedEps = drawNormal(generator, latentDims, conventions.noiseDtype);
  return { noise: chosen, maskedEps };
}

/** The n + 1 times of an n-step fill under a convention. */
export function fillSchedule(conventions: FillConventions, steps: number, imageTokens: number): Float32Array {
  return conventions.schedule === "bfl" ? getSchedule(steps, imageTokens) : getDiffusersSchedule(steps, imageTokens);
}

/** The time value the transformer sees for schedule time t (diffusers passes (1000 t) / 1000). */
export function modelTimeOf(conventions: FillConventions): ((t: number) => number) | undefined {
  return conventions.schedule === "diffusers" ? (t) => fr(fr(t * 1000) / 1000) : undefined;
}
