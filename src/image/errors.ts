/**
 * Typed errors of the image layer. Read errors name their source (a file path, or the name a
 * caller gave to in-memory bytes); write errors name the output path. Each message says what was
 * wrong and, where there is something to do, what to do.
 */
import { IceditError, InvalidArgumentError } from "../errors.js";

/** The root of every problem with an input image. `source` is the path or the caller's name. */
export class ImageReadError extends IceditError {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The file does not exist (ENOENT, or a parent of the path is not a directory). */
export class ImageNotFoundError extends ImageReadError {}

/** The file exists but cannot be read: permission denied, a directory, a FIFO or device, an I/O error. */
export class ImageUnreadableError extends ImageReadError {}

/** The file or buffer holds 0 bytes. */
export class EmptyImageError extends ImageReadError {
  constructor(source: string) {
    super(source, `${source} is empty (0 bytes): expected an image file`);
  }
}

/** The bytes are not an image in a format this project reads (a text file, an SVG, a PDF, ...). */
export class UnsupportedImageFormatError extends ImageReadError {}

/** The bytes start like an image but the header or the pixel data is truncated or corrupt. */
export class CorruptImageError extends ImageReadError {}

/** The header declares more pixels than the limit allows; nothing was decoded. */
export class TooManyPixelsError extends ImageReadError {
  constructor(
    source: string,
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
  ) {
    const pixels = width * height;
    super(
      source,
      `${source} is ${width}x${height} = ${pixels} pixels (${megapixels(pixels)}), more than the limit of ` +
        `${maxPixels} pixels (${megapixels(maxPixels)}); it was refused before decoding. ` +
        `If this image is expected, raise the limit: icedit edit --max-pixels N, or in the library ` +
        `limits: { maxPixels: N } (IceditSession.open, edit()) or the maxPixels option (readImage, decodeImage).`,
    );
  }
}

/** The file is larger than the caller's maxFileBytes limit. */
export class ImageFileTooLargeError extends ImageReadError {
  constructor(
    source: string,
    readonly bytes: number,
    readonly maxFileBytes: number,
  ) {
    super(
      source,
      `${source} is ${bytes} bytes, more than the limit of ${maxFileBytes} bytes; ` +
        `raise the limit with the maxFileBytes option if this file is expected`,
    );
  }
}

/** The output path's extension names no format this project writes. Thrown before any work. */
export class UnsupportedOutputFormatError extends InvalidArgumentError {
  constructor(
    readonly path: string,
    extension: string,
    supported: readonly string[],
  ) {
    const what = extension === "" ? "has no extension" : `has the extension "${extension}"`;
    super(`cannot write ${path}: it ${what}; supported extensions: ${supported.join(", ")}`);
  }
}

/** Writing the output failed; no partial file and no temporary file was left behind. */
export class ImageWriteError extends IceditError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} megapixels`;
}
