/**
 * The in-context diptych (docs/icedit.md §1): the source on the left half of a 2w x h canvas,
 * a mask that repaints the right half, and the crop that takes the edited right half back out.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkRgbImage, rgbImage, type Mask, type RgbImage } from "./rgb.js";

export interface Diptych {
  /** [h, 2w, 3]: the source at (0, 0); the right half a copy of it or black. */
  readonly image: RgbImage;
  /** [h, 2w]: 0 (keep) on the left half, 255 (repaint) on the right half. */
  readonly mask: Mask;
}

/**
 * source: [h, w, 3] u8. The right half's content does not matter to the model (the mask hides
 * it): the reference script copies the source there ("copy"), its web demo leaves it black.
 */
export function makeDiptych(source: Tensor<"u8">, rightHalf: "copy" | "black" = "copy"): Diptych {
  if (rightHalf !== "copy" && rightHalf !== "black") {
    throw new InvalidArgumentError(`rightHalf must be "copy" or "black", got "${String(rightHalf)}"`);
  }
  const { width: w, height: h, data } = checkRgbImage(source, "diptych source");
  const row = w * 3;
  const image = new Uint8Array(h * 2 * row);
  const mask = new Uint8Array(h * 2 * w);
  for (let y = 0; y < h; y++) {
    const line = data.subarray(y * row, (y + 1) * row);
    image.set(line, y * 2 * row);
    if (rightHalf === "copy") image.set(line, y * 2 * row + row);
    mask.fill(255, y * 2 * w + w, (y + 1) * 2 * w);
  }
  return { image: rgbImage(h, 2 * w, image), mask: { dtype: "u8", dims: [h, 2 * w], data: mask } };
}

/** image: [h, 2w, 3] u8 -> [h, w, 3]: the box (w, 0, 2w, h). */
export function cropRightHalf(image: Tensor<"u8">): RgbImage {
  const { width, height: h, data } = checkRgbImage(image, "diptych");
  if (width % 2 !== 0) throw new InvalidArgumentError(`a diptych has an even width (2w), got ${width}`);
  const row = (width / 2) * 3;
  const out = new Uint8Array(h * row);
  for (let y = 0; y < h; y++) out.set(data.subarray((2 * y + 1) * row, (2 * y + 2) * row), y * row);
  return rgbImage(h, width / 2, out);
}
