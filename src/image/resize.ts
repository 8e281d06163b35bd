/** Resizing an RGB image to exact dimensions with sharp (libvips). */
import sharp, { type KernelEnum } from "sharp";
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkRgbImage, rgbImage, type RgbImage } from "./rgb.js";

export type ResizeKernel = keyof KernelEnum;

/**
 * image: [H, W, 3] u8 -> [height, width, 3] u8. The aspect ratio is the caller's choice (fit
 * "fill"); samples are filtered in sRGB values, as PIL does, not in linear light.
 */
export async function resizeImage(
  image: Tensor<"u8">,
  width: number,
  height: number,
  kernel: ResizeKernel = "lanczos3",
): Promise<RgbImage> {
  const source = checkRgbImage(image);
  for (const [name, value] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`resize ${name} must be a positive integer, got ${value}`);
  }
  if (!Object.hasOwn(sharp.kernel, kernel)) {
    throw new InvalidArgumentError(`unknown resize kernel "${kernel}"; use one of ${Object.keys(sharp.kernel).join(", ")}`);
  }
  const { data, info } = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
    .resize(width, height, { fit: "fill", kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new InvalidArgumentError(`sharp resized to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return rgbImage(height, width, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
