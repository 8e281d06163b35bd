/**
 * Where the two reference implementations of FLUX.1 Fill differ (docs/flux-fill.md §4.3), as
 * data. diffusers is the default because ICEdit runs diffusers' FluxFillPipeline; the golden
 * vectors follow BFL's cli_fill.
 */
export interface FillConventions {
  readonly name: "diffusers" | "bfl";
  /** diffusers binarises the mask at 0.5; BFL uses gray levels as they are. */
  readonly binarizeMask: boolean;
  /** The masked-image latent: the VAE posterior mean (BFL) or a sample from it (diffusers). */
  readonly maskedLatent: "mean" | "sample";
  /**
   * Random draws from the seeded generator, in order. diffusers samples the unmasked image's
   * posterior first (even though strength 1 discards it), then the noise, then the masked image.
   */
  readonly drawOrder: readonly ("image-sample" | "noise" | "masked-sample")[];
  /** BFL get_schedule (float32 tensor ops) or diffusers' float64 sigmas cast to float32. */
  readonly schedule: "bfl" | "diffusers";
  /** dtype of the drawn noise: the reference pipelines draw in their compute dtype. */
  readonly noiseDtype: "f32" | "bf16";
  /** Pixels from [-1, 1]: truncate 127.5 (x + 1) (BFL) or round 255 (x/2 + 1/2) (diffusers). */
  readonly toUint8: "truncate" | "round";
}

export const DIFFUSERS_CONVENTIONS: FillConventions = {
  name: "diffusers",
  binarizeMask: true,
  maskedLatent: "sample",
  drawOrder: ["image-sample", "noise", "masked-sample"],
  schedule: "diffusers",
  noiseDtype: "bf16",
  toUint8: "round",
};

/** BFL cli_fill in float32 (as the golden fill cases were made). */
export const BFL_CONVENTIONS: FillConventions = {
  name: "bfl",
  binarizeMask: false,
  maskedLatent: "mean",
  drawOrder: ["noise"],
  schedule: "bfl",
  noiseDtype: "f32",
  toUint8: "truncate",
};

export const CONVENTIONS: Readonly<Record<FillConventions["name"], FillConventions>> = {
  diffusers: DIFFUSERS_CONVENTIONS,
  bfl: BFL_CONVENTIONS,
};
