/**
 * L1 and L2 of MagicBrush's image_eval.py: the generated image resized to the target's size with
 * PIL's bicubic filter, both as [0, 1] values (ToTensor), then the mean absolute and the mean
 * squared difference over every pixel and channel.
 */
import { pilResizeBicubic } from "../../image/pil-resize.js";
import { checkRgbImage } from "../../image/rgb.js";
import type { Tensor } from "../../tensor.js";

export interface PixelDistances {
  /** mean |g - t| on [0, 1] values */
  readonly l1: number;
  /** mean (g - t)^2 on [0, 1] values */
  readonly l2: number;
}

/** generated, target: [H, W, 3] u8 (any sizes; generated is resized to target's). */
export function pixelDistances(generated: Tensor<"u8">, target: Tensor<"u8">): PixelDistances {
  const t = checkRgbImage(target, "target image");
  const g = checkRgbImage(generated, "generated image");
  const resized = g.width === t.width && g.height === t.height ? g.data : pilResizeBicubic(generated, t.width, t.height).data;
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < t.data.length; i++) {
    const d = ((resized[i] as number) - (t.data[i] as number)) / 255;
    abs += Math.abs(d);
    sq += d * d;
  }
  return { l1: abs / t.data.length, l2: sq / t.data.length };
}
