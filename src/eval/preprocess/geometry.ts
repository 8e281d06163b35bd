/**
 * The sizes torchvision's Resize(int) and CenterCrop pick on a PIL image (torchvision.transforms
 * .functional: _compute_resized_output_size and center_crop), as plain integer rules.
 */
import { InvalidArgumentError } from "../../errors.js";

/** Python's round(): to the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Resize(size): the shorter side becomes `size`, the longer int(size * long / short). Returns [height, width]. */
export function resizedSize(height: number, width: number, size: number): [number, number] {
  for (const [name, v] of [
    ["height", height],
    ["width", width],
    ["size", size],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`resize: ${name} must be a positive integer, got ${v}`);
  }
  const short = Math.min(height, width);
  const long = Math.max(height, width);
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? [newLong, size] : [size, newLong];
}

/** CenterCrop(crop) of an image at least `crop` on each side: the top-left corner, top = round((h - crop) / 2). */
export function centerCropOffsets(height: number, width: number, crop: number): { top: number; left: number } {
  if (!Number.isInteger(crop) || crop < 1) throw new InvalidArgumentError(`center crop: the size must be a positive integer, got ${crop}`);
  if (crop > height || crop > width) {
    throw new InvalidArgumentError(
      `center crop: ${crop}x${crop} does not fit in a ${width}x${height} image: resize to at least ${crop} first`,
    );
  }
  return { top: roundHalfEven((height - crop) / 2), left: roundHalfEven((width - crop) / 2) };
}
