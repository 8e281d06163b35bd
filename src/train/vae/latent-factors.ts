/**
 * The shift and scale factors of a VAE trained from scratch, measured from its latents as FLUX's
 * were (shift_factor 0.1159, scaling_factor 0.3611 for the 12B model's VAE): shift = mean of z,
 * scale = 1 / std(z) (unbiased, as torch's Tensor.std), so that scale * (z - shift) has mean 0 and
 * standard deviation 1. z is the posterior mean, the latent icedit's encoder gives (BFL encode with sample_z off).
 */
import type { Vae } from "../../components/vae/vae.js";
import type { Tensor } from "../../tensor.js";
import { VaeTrainingError } from "./errors.js";

export interface LatentFactors {
  readonly shiftFactor: number;
  readonly scaleFactor: number;
}

/** z: any latent tensor (at least 2 elements, not constant) -> shift = mean, scale = 1 / std. */
export function latentFactorsOf(z: Tensor<"f32">): LatentFactors {
  const n = z.data.length;
  if (n < 2) throw new VaeTrainingError(`measuring latent factors needs at least 2 latent values, got ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += z.data[i] as number;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += ((z.data[i] as number) - mean) ** 2;
  const std = Math.sqrt(squares / (n - 1));
  if (!(std > 0) || !Number.isFinite(std))
    throw new VaeTrainingError(`the latents have standard deviation ${std}: no scale factor can normalise them`);
  return { shiftFactor: mean, scaleFactor: 1 / std };
}

/** images: [B, in, H, W] in [-1, 1] -> the factors of their posterior means under `vae` (any shift/scale it was opened with). */
export async function measureLatentFactors(vae: Vae, images: Tensor<"f32">): Promise<LatentFactors> {
  return latentFactorsOf((await vae.encode(images)).mean);
}
