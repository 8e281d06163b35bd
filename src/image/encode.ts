/** Encoding an RGB image to PNG (lossless), JPEG or WebP bytes. */
import sharp from "sharp";
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import type { OutputFormat } from "./formats.js";
import { checkRgbImage } from "./rgb.js";

export interface EncodeOptions {
  /** JPEG and WebP quality, 1 to 100 (default 95). PNG is always lossless and ignores it. */
  quality?: number;
}

export const DEFAULT_QUALITY = 95;

export function checkEncodeOptions(options: EncodeOptions): number {
  const quality = options.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new InvalidArgumentError(`quality must be an integer from 1 to 100, got ${quality}`);
  }
  return quality;
}

/** image: [H, W, 3] u8. */
export async function encodeImage(image: Tensor<"u8">, format: OutputFormat, options: EncodeOptions = {}): Promise<Uint8Array> {
  const quality = checkEncodeOptions(options);
  const { width, height, data } = checkRgbImage(image);
  const pipeline = sharp(data, { raw: { width, height, channels: 3 } });
  const encoded =
    format === "png"
      ? pipeline.png()
      : format === "jpeg"
        ? pipeline.jpeg({ quality, chromaSubsampling: "4:4:4" }) // edits are small: keep full-resolution colour
        : pipeline.webp({ quality });
  const bytes = await encoded.toBuffer();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
