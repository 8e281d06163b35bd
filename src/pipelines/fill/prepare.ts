/**
 * Fill conditioning (BFL prepare_fill / diffusers prepare_mask_latents): the masked image through
 * the VAE encoder, packed 2x2 to 64 channels per token, and the mask unshuffled 8x8 and packed to
 * 256 channels: 320 conditioning channels per image token.
 */
import type { Vae } from "../../components/vae/vae.js";
import { imageIds } from "../../models/flux/inputs.js";
import { concatTokens, packLatents, packMask, unshuffleMask } from "../../sampling/packing.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { FillConventions } from "./conventions.js";
import { imageToTensor, maskImage, maskToTensor, type CheckedPixels } from "./pixels.js";

const fr = Math.fround;

export interface FillConditioning {
  /** [1, 3, H, W] in [-1, 1] */
  readonly image: Tensor<"f32">;
  /** [1, 1, H, W] in [0, 1] */
  readonly mask: Tensor<"f32">;
  readonly maskedImage: Tensor<"f32">;
  /** [1, 16, H/8, W/8], scaled */
  readonly condLatent: Tensor<"f32">;
  readonly condLatentPacked: Tensor<"f32">;
  readonly maskUnshuffled: Tensor<"f32">;
  readonly maskPacked: Tensor<"f32">;
  /** [1, L, 320] */
  readonly imgCond: Tensor<"f32">;
  /** [1, L, 3] */
  readonly imgIds: Tensor<"f32">;
}

/** A sample of the posterior: mean + exp(logvar / 2) * eps (logvar clamped to [-30, 20]), scaled. */
export function sampleLatent(moments: Tensor<"f32">, eps: Tensor<"f32">, scale: number, shift: number): Tensor<"f32"> {
  const [b, c2, h, w] = moments.dims as [number, number, number, number];
  const c = c2 / 2;
  const plane = c * h * w;
  const out = new Float32Array(b * plane);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < plane; i++) {
      const mean = moments.data[n * 2 * plane + i] as number;
      const logvar = Math.min(20, Math.max(-30, moments.data[n * 2 * plane + plane + i] as number));
      const std = fr(Math.exp(fr(0.5 * logvar)));
      const z = fr(mean + fr(std * (eps.data[n * plane + i] as number)));
      out[n * plane + i] = fr(fr(z - shift) * scale);
    }
  }
  return tensor("f32", [b, c, h, w], out);
}

/** The deterministic part of the fill conditioning: everything but the masked latent's sample. */
export interface EncodedFill {
  readonly image: Tensor<"f32">;
  readonly mask: Tensor<"f32">;
  readonly maskedImage: Tensor<"f32">;
  /** [1, 2z, H/8, W/8]: the masked image's posterior (mean | logvar). */
  readonly moments: Tensor<"f32">;
  /** [1, z, H/8, W/8]: the posterior mean, scaled. */
  readonly meanLatent: Tensor<"f32">;
  readonly maskUnshuffled: Tensor<"f32">;
  readonly maskPacked: Tensor<"f32">;
  /** [1, L, 3] */
  readonly imgIds: Tensor<"f32">;
  readonly scaleFactor: number;
  readonly shiftFactor: number;
}

/** Runs the VAE encoder on the masked image once; conditionFill() then makes each seed's conditioning. */
export async function encodeFill(vae: Vae, pixels: CheckedPixels, conventions: FillConventions): Promise<EncodedFill> {
  const image = imageToTensor(pixels.image);
  const mask = maskToTensor(pixels.mask, conventions.binarizeMask);
  const maskedImage = maskImage(image, mask);
  const encoded = await vae.encode(maskedImage);
  const plane = tensor("f32", [1, pixels.height, pixels.width], mask.data);
  return {
    image,
    mask,
    maskedImage,
    moments: encoded.moments,
    meanLatent: encoded.latent,
    maskUnshuffled: unshuffleMask(plane),
    maskPacked: packMask(plane),
    imgIds: imageIds(1, pixels.height / 16, pixels.width / 16),
    scaleFactor: vae.params.scaleFactor,
    shiftFactor: vae.params.shiftFactor,
  };
}

/**
 * One seed's conditioning from the encoded masked image: the posterior mean (BFL) or the sample
 * with `drawEps()`'s standard-normal draw (diffusers; drawEps is not called for the mean).
 */
export function conditionFill(
  encoded: EncodedFill,
  conventions: FillConventions,
  drawEps: (dims: readonly number[]) => Tensor<"f32">,
): FillConditioning {
  const [, c2, h, w] = encoded.moments.dims as [number, number, number, number];
  const condLatent =
    conventions.maskedLatent === "mean"
      ? encoded.meanLatent
      : sampleLatent(encoded.moments, drawEps([1, c2 / 2, h, w]), encoded.scaleFactor, encoded.shiftFactor);
  const condLatentPacked = packLatents(condLatent);
  return {
    image: encoded.image,
    mask: encoded.mask,
    maskedImage: encoded.maskedImage,
    condLatent,
    condLatentPacked,
    maskUnshuffled: encoded.maskUnshuffled,
    maskPacked: encoded.maskPacked,
    imgCond: concatTokens([condLatentPacked, encoded.maskPacked]),
    imgIds: encoded.imgIds,
  };
}

/**
 * `drawEps` gives the standard-normal draw for a posterior sample when the convention samples
 * the masked-image latent (diffusers); it is not called for the posterior mean (BFL).
 */
export async function prepareFill(
  vae: Vae,
  pixels: CheckedPixels,
  conventions: FillConventions,
  drawEps: (dims: readonly number[]) => Tensor<"f32">,
): Promise<FillConditioning> {
  return conditionFill(await encodeFill(vae, pixels, conventions), conventions, drawEps);
}
