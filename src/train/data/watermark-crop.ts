/**
 * MagicBrush's images carry a watermark strip at the bottom; the reference training crops off the
 * bottom height // 32 rows of the source and of the target (PIL crop (0, 0, w, h - h // 32)).
 */
import { checkRgbImage, rgbImage, type RgbImage } from "../../image/rgb.js";
import type { Tensor } from "../../tensor.js";

/** Rows the reference removes from an image of `height` rows: floor(height / 32). */
export function watermarkRows(height: number): number {
  return Math.floor(height / 32);
}

/** image: [h, w, 3] u8 -> [h - floor(h / 32), w, 3]: the top rows, the strip cut off. */
export function cropWatermark(image: Tensor<"u8">): RgbImage {
  const { width, height, data } = checkRgbImage(image, "MagicBrush image");
  const kept = height - watermarkRows(height);
  return rgbImage(kept, width, data.slice(0, kept * width * 3));
}
