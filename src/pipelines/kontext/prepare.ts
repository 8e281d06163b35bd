/**
 * Kontext conditioning (BFL prepare_kontext after its resize): each reference image (the image to
 * edit first) through the VAE encoder (posterior mean, scaled), packed 2x2 into tokens that follow
 * the noisy ones, with RoPE ids (1, row, col) on the condition's own grid; several references are
 * placed as references.ts says.
 */
import type { Vae } from "../../components/vae/vae.js";
import { InvalidArgumentError } from "../../errors.js";
import { concatSequence, packLatents } from "../../sampling/packing.js";
import { shapeString, type Tensor } from "../../tensor.js";
import type { SequenceCondition } from "../fill/denoise.js";
import { imageToTensor } from "../fill/pixels.js";
import { DEFAULT_REFERENCE_PLACEMENT, referenceIds, type ReferencePlacement } from "./references.js";

export { CONDITION_INDEX } from "./references.js";

/** The condition: `tokens` [1, Lc, 64] (the latents packed 2x2) and `ids` [1, Lc, 3], and what they came from. */
export interface KontextConditioning extends SequenceCondition {
  /** [1, 3, H, W] in [-1, 1]: the image to edit (the first reference). */
  readonly image: Tensor<"f32">;
  /** [1, 16, H/8, W/8]: scale * (mean - shift) of the first reference. */
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

/**
 * images: the references, [H, W, 3] uint8 each (sides multiples of 16; the image to edit first) ->
 * every reference's tokens in order, and their ids under `placement` (one image: (1, row, col)).
 */
export async function prepareKontext(
  vae: Vae,
  images: Tensor<"u8"> | readonly Tensor<"u8">[],
  placement: ReferencePlacement = DEFAULT_REFERENCE_PLACEMENT,
): Promise<KontextConditioning> {
  const list = Array.isArray(images) ? (images as readonly Tensor<"u8">[]) : [images as Tensor<"u8">];
  const grids = list.map((image) => {
    const { width, height } = checkConditionImage(image);
    return { rows: height / 16, cols: width / 16 };
  });
  const encoded: { pixels: Tensor<"f32">; latent: Tensor<"f32"> }[] = [];
  for (const image of list) {
    const pixels = imageToTensor(image);
    encoded.push({ pixels, latent: (await vae.encode(pixels)).latent });
  }
  const first = encoded[0];
  if (!first) throw new InvalidArgumentError("Kontext needs at least one reference image");
  const packed = encoded.map((e) => packLatents(e.latent));
  return {
    image: first.pixels,
    latent: first.latent,
    tokens: packed.length === 1 ? (packed[0] as Tensor<"f32">) : concatSequence(packed),
    ids: referenceIds(1, grids, placement),
  };
}
