/**
 * Decoding to the layer's image type: [H, W, 3] u8 sRGB. The EXIF orientation is applied, alpha
 * is flattened onto white, grey and palette images become RGB, 16-bit samples become 8-bit (sharp
 * keeps the high byte: v >> 8). The pixel limit is checked against the header's dimensions first.
 */
import sharp, { type OutputInfo } from "sharp";
import { IceditError } from "../errors.js";
import { CorruptImageError, EmptyImageError } from "./errors.js";
import { readImageFile } from "./file-input.js";
import { declaredSize } from "./header.js";
import { checkFileBytes, checkPixelCount, resolveLimits, type ImageLimits, type ResolvedLimits } from "./limits.js";
import { asBuffer, readMetadata, sharpMessage } from "./metadata.js";
import { rgbImage, type RgbImage } from "./rgb.js";

export interface DecodeOptions extends ImageLimits {
  /** Names the bytes in error messages (an upload's file name, say; default "image data"). */
  name?: string;
}

const WHITE = { r: 255, g: 255, b: 255 };

/** Reads and decodes the image file at `path`. Every error names `path`. */
export async function readImage(path: string, limits: ImageLimits = {}): Promise<RgbImage> {
  const resolved = resolveLimits(limits);
  const bytes = await readImageFile(path, resolved);
  return decodeWithin(bytes, path, resolved);
}

/** Decodes an encoded image held in memory. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RgbImage> {
  return decodeWithin(bytes, options.name ?? "image data", resolveLimits(options));
}

async function decodeWithin(bytes: Uint8Array, source: string, limits: ResolvedLimits): Promise<RgbImage> {
  if (bytes.length === 0) throw new EmptyImageError(source);
  checkFileBytes(source, bytes.length, limits);
  // Our own header parse first (PNG, JPEG, GIF, WebP): no decoder touches an oversized image.
  const declared = declaredSize(bytes);
  if (declared !== undefined) checkPixelCount(source, declared.width, declared.height, limits);
  const meta = await readMetadata(bytes, source);
  checkPixelCount(source, meta.width, meta.height, limits);

  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await sharp(asBuffer(bytes), { autoOrient: true, limitInputPixels: limits.maxPixels, failOn: "warning" })
      .flatten({ background: WHITE })
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const detail = sharpMessage(error);
    throw new CorruptImageError(source, `${source}: cannot decode the image (${detail}); the file is truncated or corrupt`, {
      cause: error,
    });
  }
  const { data, info } = output;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    const got = `${info.channels} channels of ${info.width}x${info.height} in ${data.length} bytes`;
    throw new IceditError(`${source}: the decoder returned ${got}, expected RGB`);
  }
  return rgbImage(info.height, info.width, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
