/**
 * How well a VAE reconstructs images: encode to the posterior mean, decode, and compare in 8-bit
 * pixel units, the reconstruction clamped to [-1, 1] as the pipelines clamp it before writing pixels.
 */
import type { Vae } from "../../components/vae/vae.js";
import type { Tensor } from "../../tensor.js";
import { VaeTrainingError } from "./errors.js";

export interface ReconstructionError {
  /** Mean |recon - image| over every pixel and channel, in 0..255 units. */
  readonly meanAbs: number;
  /** 10 log10(255^2 / MSE) in dB, MSE in 0..255 units. */
  readonly psnr: number;
}

/** image, recon: [B, C, H, W] in [-1, 1] (recon clamped to it) -> mean abs error and PSNR in 8-bit units. */
export function reconstructionErrorOf(image: Tensor<"f32">, recon: Tensor<"f32">): ReconstructionError {
  const n = image.data.length;
  if (recon.data.length !== n || n === 0) {
    throw new VaeTrainingError(`reconstruction [${recon.dims}] and image [${image.dims}] must have the same, non-zero size`);
  }
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.min(1, Math.max(-1, recon.data[i] as number));
    const d = 127.5 * (r - (image.data[i] as number));
    abs += Math.abs(d);
    sq += d * d;
  }
  return { meanAbs: abs / n, psnr: 10 * Math.log10((255 * 255) / (sq / n)) };
}

/** images: [B, in, H, W] in [-1, 1] -> the error of decode(encode(images).latent) under `vae`. */
export async function measureReconstruction(vae: Vae, images: Tensor<"f32">): Promise<ReconstructionError> {
  const encoded = await vae.encode(images);
  return reconstructionErrorOf(images, (await vae.decode(encoded.latent)).image);
}
