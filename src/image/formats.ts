/**
 * Which formats this layer reads and writes. Reading: the raster formats the installed sharp
 * decodes from a buffer. SVG (and PDF, where a sharp build has it) is refused on purpose: its
 * pixel size is chosen by the renderer rather than declared in a header, and rendering untrusted
 * vector files is a larger attack surface than a server needs. Writing: PNG, JPEG, WebP, chosen
 * by the extension.
 */
import { extname } from "node:path";
import sharp, { type FormatEnum } from "sharp";
import { UnsupportedOutputFormatError } from "./errors.js";

/** sharp's format ids of the raster formats we accept, with the names used in messages. */
const RASTER_INPUTS: ReadonlyArray<readonly [keyof FormatEnum, string]> = [
  ["png", "PNG"],
  ["jpeg", "JPEG"],
  ["webp", "WebP"],
  ["gif", "GIF"],
  ["tiff", "TIFF"],
  ["heif", "AVIF/HEIF"],
];

function canDecode(id: keyof FormatEnum): boolean {
  // sharp.format lists only what this build has, whatever its type says.
  const info: FormatEnum[keyof FormatEnum] | undefined = sharp.format[id];
  return info?.input.buffer === true;
}

const READABLE = RASTER_INPUTS.filter(([id]) => canDecode(id));

/** Whether `format` (a sharp format id) is one this layer decodes. */
export function isReadableFormat(format: string): boolean {
  return READABLE.some(([id]) => id === format);
}

/** "PNG, JPEG, WebP, ..." for error messages. */
export function readableFormatNames(): string {
  return READABLE.map(([, name]) => name).join(", ");
}

export type OutputFormat = "png" | "jpeg" | "webp";

const OUTPUT_EXTENSIONS: Readonly<Record<string, OutputFormat>> = {
  ".png": "png",
  ".jpg": "jpeg",
  ".jpeg": "jpeg",
  ".webp": "webp",
};

export const SUPPORTED_OUTPUT_EXTENSIONS: readonly string[] = Object.keys(OUTPUT_EXTENSIONS);

/** The output format named by the path's extension (case-insensitive). */
export function outputFormatFromPath(path: string): OutputFormat {
  const extension = extname(path);
  const format = OUTPUT_EXTENSIONS[extension.toLowerCase()];
  if (format === undefined) throw new UnsupportedOutputFormatError(path, extension, SUPPORTED_OUTPUT_EXTENSIONS);
  return format;
}
