/**
 * The diptych ICEdit trains on: source and target each squashed to size x size (aspect not kept,
 * PIL's default bicubic as the reference's Image.resize), the source on the left and the target
 * on the right of a size x 2size canvas, with inference's mask (the right half repainted).
 */
import { makeDiptych, type Diptych } from "../../image/diptych.js";
import { resizeImage, type ResizeKernel } from "../../image/resize.js";
import { rgbImage, type RgbImage } from "../../image/rgb.js";
import { InvalidArgumentError } from "../../errors.js";

/** sharp's Catmull-Rom cubic: PIL's BICUBIC (a = -0.5), the reference's resize filter. */
export const TRAINING_RESIZE_KERNEL: ResizeKernel = "cubic";

/** image: [h, w, 3] -> [size, size, 3], or the image itself when it is that size already (Kontext's pairs are squashed so too). */
export async function squash(image: RgbImage, size: number): Promise<RgbImage> {
  const [h, w] = image.dims as [number, number];
  return h === size && w === size ? image : resizeImage(image, size, size, TRAINING_RESIZE_KERNEL);
}

/**
 * source: [h, w, 3], target: [h', w', 3] u8 -> image [size, 2 size, 3] (source | target) and
 * mask [size, 2 size] (0 left, 255 right), the mask of makeDiptych.
 */
export async function trainingDiptych(source: RgbImage, target: RgbImage, size: number): Promise<Diptych> {
  if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`the training size must be a positive integer, got ${size}`);
  const left = await squash(source, size);
  const right = await squash(target, size);
  const { image, mask } = makeDiptych(left, "black");
  const row = size * 3;
  const pixels = image.data.slice();
  for (let y = 0; y < size; y++) pixels.set(right.data.subarray(y * row, (y + 1) * row), y * 2 * row + row);
  return { image: rgbImage(size, 2 * size, pixels), mask };
}
