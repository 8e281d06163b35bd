/** Facts about an image from its header alone: nothing is decoded. */
import { EmptyImageError } from "./errors.js";
import { readImageFile } from "./file-input.js";
import { checkFileBytes, resolveLimits } from "./limits.js";
import { readMetadata } from "./metadata.js";

export interface ImageInfo {
  /** sharp's format id: "png", "jpeg", "webp", "gif", "tiff", "heif". */
  readonly format: string;
  /** Width and height as stored, before the EXIF orientation (5 to 8 swap them on decode). */
  readonly width: number;
  readonly height: number;
  /** Channels as stored (1 grey, 2 grey+alpha, 3 RGB or palette, 4 RGBA or CMYK). */
  readonly channels: number;
  readonly hasAlpha: boolean;
  /** EXIF orientation, 1 (as stored) to 8; 1 when the file has none. */
  readonly orientation: number;
}

export interface ProbeOptions {
  /** Names in-memory bytes in error messages (default "image data"). */
  name?: string;
  /** Refuse files larger than this many bytes. The pixel limit is not applied: a probe decodes nothing. */
  maxFileBytes?: number;
}

export async function probeImage(input: Uint8Array | string, options: ProbeOptions = {}): Promise<ImageInfo> {
  const limits = resolveLimits(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes });
  const source = typeof input === "string" ? input : (options.name ?? "image data");
  const bytes = typeof input === "string" ? await readImageFile(input, limits) : input;
  if (bytes.length === 0) throw new EmptyImageError(source);
  checkFileBytes(source, bytes.length, limits);
  const meta = await readMetadata(bytes, source);
  return {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    hasAlpha: meta.hasAlpha,
    orientation: meta.orientation ?? 1,
  };
}
