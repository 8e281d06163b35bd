/**
 * sharp's header reader (`metadata()` parses headers only, it decodes no pixels), with its
 * failures turned into typed errors and formats outside the supported list refused.
 */
import sharp, { type Metadata } from "sharp";
import { CorruptImageError, UnsupportedImageFormatError } from "./errors.js";
import { isReadableFormat, readableFormatNames } from "./formats.js";

/** A Buffer view of the same memory (sharp wants a Buffer to treat bytes as an encoded file). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function readMetadata(bytes: Uint8Array, source: string): Promise<Metadata> {
  let meta: Metadata;
  try {
    // The pixel limit is ours, checked by the caller against these numbers; sharp's own default
    // (0x3FFF^2) would refuse the header of a large image before we could name its size.
    meta = await sharp(asBuffer(bytes), { limitInputPixels: false }).metadata();
  } catch (error) {
    const detail = sharpMessage(error);
    if (/unsupported image format/i.test(detail)) {
      throw new UnsupportedImageFormatError(
        source,
        `${source} is not an image in a supported format (supported: ${readableFormatNames()})`,
        { cause: error },
      );
    }
    const message = `${source}: cannot read the image header (${detail}); the file is truncated or corrupt`;
    throw new CorruptImageError(source, message, { cause: error });
  }
  if (!isReadableFormat(meta.format)) {
    throw new UnsupportedImageFormatError(
      source,
      `${source} is a ${meta.format.toUpperCase()} file, which is not supported (supported: ${readableFormatNames()})`,
    );
  }
  return meta;
}

/** sharp's message on one line, without libvips' trailing newlines and repeats. */
export function sharpMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = [
    ...new Set(
      text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== ""),
    ),
  ];
  return lines.join("; ").replace(/:;/g, ":") || "unknown error";
}
