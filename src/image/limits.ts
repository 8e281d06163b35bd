/**
 * Limits on input images. The pixel limit is checked against the dimensions the header declares,
 * before any pixel is decoded: a 100-byte file can claim 30000x30000 pixels (2.7 GB as RGB).
 */
import { InvalidArgumentError } from "../errors.js";
import { ImageFileTooLargeError, TooManyPixelsError } from "./errors.js";

export interface ImageLimits {
  /** Largest width x height accepted (default DEFAULT_MAX_PIXELS, 40 megapixels). */
  maxPixels?: number;
  /** Largest encoded size in bytes accepted (default: no limit). */
  maxFileBytes?: number;
}

export const DEFAULT_MAX_PIXELS = 40_000_000;

export interface ResolvedLimits {
  readonly maxPixels: number;
  readonly maxFileBytes: number | undefined;
}

export function resolveLimits(limits: ImageLimits = {}): ResolvedLimits {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkPositive(maxPixels, "maxPixels");
  if (limits.maxFileBytes !== undefined) checkPositive(limits.maxFileBytes, "maxFileBytes");
  return { maxPixels, maxFileBytes: limits.maxFileBytes };
}

export function checkPixelCount(source: string, width: number, height: number, limits: ResolvedLimits): void {
  if (width * height > limits.maxPixels) throw new TooManyPixelsError(source, width, height, limits.maxPixels);
}

export function checkFileBytes(source: string, bytes: number, limits: ResolvedLimits): void {
  if (limits.maxFileBytes !== undefined && bytes > limits.maxFileBytes) {
    throw new ImageFileTooLargeError(source, bytes, limits.maxFileBytes);
  }
}

function checkPositive(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  }
}
