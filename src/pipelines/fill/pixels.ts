/**
 * Pixels in and out of the fill pipeline: uint8 HWC images and masks to the [-1, 1] / [0, 1]
 * float tensors of the reference (with its float32 rounding), the size checks, and back to uint8.
 */
import { shapeString, tensor, type Tensor } from "../../tensor.js";
import { FillInputError } from "./errors.js";
import type { FillConventions } from "./conventions.js";

const fr = Math.fround;

/** How to treat a size that is not a multiple of 16: refuse it, or crop right/bottom to one. */
export type SizePolicy = "exact" | "crop";

export interface CheckedPixels {
  /** [H, W, 3] */
  readonly image: Tensor<"u8">;
  /** [H, W] */
  readonly mask: Tensor<"u8">;
  readonly height: number;
  readonly width: number;
}

function nearMultiples(n: number): string {
  const down = Math.floor(n / 16) * 16;
  return down === n ? String(n) : `${down > 0 ? `${down} or ` : ""}${down + 16}`;
}

function crop(t: Tensor<"u8">, height: number, width: number, channels: number): Tensor<"u8"> {
  const w0 = t.dims[1] as number;
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) out.set(t.data.subarray(y * w0 * channels, (y * w0 + width) * channels), y * width * channels);
  return tensor("u8", channels === 1 ? [height, width] : [height, width, channels], out);
}

/** Checks an [H, W, 3] image and an [H, W] (or [H, W, 1]) mask; crops to multiples of 16 when asked. */
export function checkPixels(image: Tensor<"u8">, mask: Tensor<"u8">, policy: SizePolicy = "exact"): CheckedPixels {
  if (image.dims.length !== 3 || image.dims[2] !== 3) {
    throw new FillInputError(`the image must be RGB, [height, width, 3], got ${shapeString(image.dims)}`);
  }
  const channels = mask.dims.length === 3 ? (mask.dims[2] as number) : 1;
  if (mask.dims.length < 2 || mask.dims.length > 3 || channels !== 1) {
    throw new FillInputError(
      `the mask must have one channel ([height, width] or [height, width, 1]), got ${shapeString(mask.dims)}: ` +
        "convert it to grayscale (white = repaint, black = keep)",
    );
  }
  const [height, width] = image.dims as [number, number];
  if (mask.dims[0] !== height || mask.dims[1] !== width) {
    throw new FillInputError(`the image is ${width}x${height} but the mask is ${mask.dims[1]}x${mask.dims[0]}: they must be the same size`);
  }
  const mask2d = tensor("u8", [height, width], mask.data);
  if (height % 16 === 0 && width % 16 === 0) return { image, mask: mask2d, height, width };
  if (policy === "exact") {
    throw new FillInputError(
      `the image is ${width}x${height}, but FLUX needs width and height that are multiples of 16: ` +
        `use a width of ${nearMultiples(width)} and a height of ${nearMultiples(height)}, or ask for cropping`,
    );
  }
  const h = Math.floor(height / 16) * 16;
  const w = Math.floor(width / 16) * 16;
  if (h === 0 || w === 0) throw new FillInputError(`the image is ${width}x${height}: at least 16x16 pixels are needed`);
  return { image: crop(image, h, w, 3), mask: crop(mask2d, h, w, 1), height: h, width: w };
}

/** [H, W, 3] uint8 -> [1, 3, H, W] float32 p/127.5 - 1. */
export function imageToTensor(image: Tensor<"u8">): Tensor<"f32"> {
  const [h, w] = image.dims as [number, number];
  const out = new Float32Array(3 * h * w);
  for (let i = 0; i < h * w; i++) {
    for (let c = 0; c < 3; c++) out[c * h * w + i] = fr(fr((image.data[i * 3 + c] as number) / 127.5) - 1);
  }
  return tensor("f32", [1, 3, h, w], out);
}

/** [H, W] uint8 -> [1, 1, H, W] float32 in [0, 1] (1 = repaint), binarised at 0.5 when asked. */
export function maskToTensor(mask: Tensor<"u8">, binarize: boolean): Tensor<"f32"> {
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = fr((mask.data[i] as number) / 255);
    out[i] = binarize ? (v >= 0.5 ? 1 : 0) : v;
  }
  return tensor("f32", [1, 1, mask.dims[0] as number, mask.dims[1] as number], out);
}

/** image * (1 - mask), broadcasting the mask over the channels. */
export function maskImage(image: Tensor<"f32">, mask: Tensor<"f32">): Tensor<"f32"> {
  const plane = mask.data.length;
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = fr((image.data[i] as number) * fr(1 - (mask.data[i % plane] as number)));
  return tensor("f32", image.dims, out);
}

/** [1, 3, H, W] in [-1, 1] -> [H, W, 3] uint8 by the convention's rounding. */
export function tensorToImage(decoded: Tensor<"f32">, how: FillConventions["toUint8"]): Tensor<"u8"> {
  const [, , h, w] = decoded.dims as [number, number, number, number];
  const out = new Uint8Array(h * w * 3);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h * w; i++) {
      const x = decoded.data[c * h * w + i] as number;
      let v: number;
      if (how === "truncate") {
        const clamped = Math.min(1, Math.max(-1, x));
        v = Math.trunc(fr(127.5 * fr(clamped + 1)));
      } else {
        const unit = Math.min(1, Math.max(0, fr(fr(x / 2) + 0.5)));
        v = roundHalfEven(fr(unit * 255));
      }
      out[i * 3 + c] = Number.isNaN(v) ? 0 : v;
    }
  }
  return tensor("u8", [h, w, 3], out);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
