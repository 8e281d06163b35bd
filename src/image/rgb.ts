/**
 * The image type of this layer: an 8-bit sRGB image as a `Tensor<"u8">` of dims [H, W, 3],
 * row-major, channels interleaved (the layout sharp's raw output and input use), and the
 * single-channel mask as [H, W].
 */
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";

/** An RGB image: dims [H, W, 3]. */
export type RgbImage = Tensor<"u8">;
/** A single-channel 8-bit mask: dims [H, W]. */
export type Mask = Tensor<"u8">;

export function rgbImage(height: number, width: number, data?: Uint8Array): RgbImage {
  checkSide(height, "height");
  checkSide(width, "width");
  const values = data ?? new Uint8Array(height * width * 3);
  if (values.length !== height * width * 3) {
    throw new InvalidArgumentError(`an RGB image of ${width}x${height} needs ${height * width * 3} bytes, got ${values.length}`);
  }
  return { dtype: "u8", dims: [height, width, 3], data: values };
}

/** The checked view of an RGB image. */
export interface RgbView {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Checks that `image` is a u8 tensor of dims [H, W, 3] with H, W >= 1 holding H*W*3 bytes. */
export function checkRgbImage(image: Tensor, what = "image"): RgbView {
  const { dtype, dims, data } = image;
  if (dtype !== "u8" || !(data instanceof Uint8Array) || dims.length !== 3 || dims[2] !== 3) {
    throw new InvalidArgumentError(`${what} must be a u8 tensor of dims [H, W, 3], got ${dtype} [${dims.join(", ")}]`);
  }
  const [height, width] = dims as [number, number, number];
  checkSide(height, `${what} height`);
  checkSide(width, `${what} width`);
  if (data.length !== height * width * 3) {
    throw new InvalidArgumentError(`${what} of dims [${dims.join(", ")}] holds ${data.length} bytes, expected ${height * width * 3}`);
  }
  return { width, height, data };
}

function checkSide(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${value}`);
  }
}
