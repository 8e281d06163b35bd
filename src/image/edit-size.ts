/**
 * The size an ICEdit source is resized to (docs/icedit.md §1): width `targetWidth`, height the
 * aspect-kept height rounded to the NEAREST multiple of 16 (at least 16).
 *
 * Why 16 and why nearest: the reference script floors the height to a multiple of 8, but FLUX Fill
 * then floors it again to 16 (VAE factor 8 x 2x2 packing), which leaves a black strip at the
 * bottom of the crop (reference issue #38). Making the height a multiple of 16 here removes the
 * strip; rounding to the nearest multiple (ties up) rather than flooring keeps the aspect ratio as
 * close as a multiple of 16 allows (the stretch is at most 8 pixels of height).
 */
import { InvalidArgumentError } from "../errors.js";

export const EDIT_WIDTH = 512;
export const EDIT_MULTIPLE = 16;

export function editSize(srcWidth: number, srcHeight: number, targetWidth = EDIT_WIDTH): { width: number; height: number } {
  for (const [name, value] of [
    ["source width", srcWidth],
    ["source height", srcHeight],
    ["target width", targetWidth],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
  if (targetWidth % EDIT_MULTIPLE !== 0) {
    throw new InvalidArgumentError(
      `target width must be a multiple of ${EDIT_MULTIPLE} (FLUX works on 16-pixel patches), got ${targetWidth}`,
    );
  }
  // units = round(srcHeight * targetWidth / (srcWidth * 16)), half up, in exact integer arithmetic
  const units = Math.floor((2 * srcHeight * targetWidth + EDIT_MULTIPLE * srcWidth) / (2 * EDIT_MULTIPLE * srcWidth));
  return { width: targetWidth, height: Math.max(1, units) * EDIT_MULTIPLE };
}
