/**
 * Kontext conditioning (BFL prepare_kontext after its resize): the image to edit through the VAE
 * encoder (posterior mean, scaled), packed 2x2 into tokens that follow the noisy ones, with RoPE
 * ids (1, row, col) on the condition's own grid.
 */
import type { Vae } from "../../components/vae/vae.js";
import { InvalidArgumentError } from "../../errors.js";
import { imageIds } from "../../models/flux/inputs.js";
import { packLatents } from "../../sampling/packing.js";
import { shapeString, type Tensor } from "../../tensor.js";
import type { SequenceCondition } from "../fill/denoise.js";
import { imageToTensor } from "../fill/pixels.js";

/** The first RoPE axis of the condition tokens (the noisy tokens have 0). */
export const CONDITION_INDEX = 1;

/** The condition: `tokens` [1, Lc, 64] (the latent packed 2x2) and `ids` [1, Lc, 3] (1, row, col), and what they came from. */
export interface KontextConditioning extends SequenceCondition {
  /** [1, 3, H, W] in [-1, 1] */
  readonly image: Tensor<"f32">;
  /** [1, 16, H/8, W/8]: scale * (mean - shift) */
  readonly latent: Tensor<"f32">;
}

/** An [H, W, 3] uint8 image whose sides are multiples of 16, or an error that says so. */
export function checkConditionImage(image: Tensor<"u8">): { readonly width: number; readonly height: number } {
  if (image.dims.length !== 3 || image.dims[2] !== 3)
    throw new InvalidArgumentError(`the image to edit must be RGB, [height, width, 3], got ${shapeString(image.dims)}`);
  const [height, width] = image.dims as [number, number];
  if (height < 16 || width < 16 || height % 16 !== 0 || width % 16 !== 0)
    throw new InvalidArgumentError(
      `the image to edit is ${width}x${height}, but Kontext takes sides that are multiples of 16: resize it first (kontextSize gives the size Kontext was trained at)`,
    );
  return { width, height };
}

/** image: [H, W, 3] uint8 (sides multiples of 16) -> the condition tokens and their ids. */
export async function prepareKontext(vae: Vae, image: Tensor<"u8">): Promise<KontextConditioning> {
  const { width, height } = checkConditionImage(image);
  const pixels = imageToTensor(image);
  const { latent } = await vae.encode(pixels);
  return {
    image: pixels,
    latent,
    tokens: packLatents(latent),
    ids: imageIds(1, height / 16, width / 16, CONDITION_INDEX),
  };
}
