/** How far edited images are from reference edits: mean absolute pixel difference and PSNR, 8-bit units. */
import type { Tensor } from "../src/tensor.js";

export interface ImageDiff {
  /** Mean |a - b| over every channel value, in 0..255. */
  readonly mean_abs: number;
  /** 10 log10(255^2 / MSE) over all the images' values; null when they are identical (infinite). */
  readonly psnr_db: number | null;
}

/** images[i] against references[i], pooled over all of them. */
export function imageDiff(images: readonly Tensor<"u8">[], references: readonly Tensor<"u8">[]): ImageDiff {
  if (images.length !== references.length) throw new Error(`${images.length} images against ${references.length} references`);
  let abs = 0;
  let sq = 0;
  let n = 0;
  images.forEach((image, i) => {
    const ref = references[i] as Tensor<"u8">;
    if (image.data.length !== ref.data.length)
      throw new Error(`image ${i} has ${image.data.length} values, its reference ${ref.data.length}`);
    for (let j = 0; j < ref.data.length; j++) {
      const d = (image.data[j] as number) - (ref.data[j] as number);
      abs += Math.abs(d);
      sq += d * d;
    }
    n += ref.data.length;
  });
  const mse = sq / n;
  return {
    mean_abs: Math.round((abs / n) * 1000) / 1000,
    psnr_db: mse === 0 ? null : Math.round(10 * Math.log10((255 * 255) / mse) * 100) / 100,
  };
}
