/**
 * Errors the HTTP API answers with: a status, a stable machine-readable code and a message that
 * says what was wrong and what to do. Every error reply is `{ "error": { "code", "message" } }`.
 */
import { IceditError } from "../errors.js";
import {
  CorruptImageError,
  EmptyImageError,
  ImageFileTooLargeError,
  TooManyPixelsError,
  UnsupportedImageFormatError,
} from "../image/errors.js";
import { errorCode } from "../image/fs-reason.js";

export class ApiError extends IceditError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** A problem with an uploaded image as an API error (undefined: not an image problem). */
export function imageApiError(error: unknown): ApiError | undefined {
  if (error instanceof TooManyPixelsError) {
    const message =
      `the image is ${error.width}x${error.height} = ${error.width * error.height} pixels by its header, more than this ` +
      `server's limit of ${error.maxPixels} pixels; nothing was decoded. Send a smaller image`;
    return new ApiError(413, "too_many_pixels", message);
  }
  if (error instanceof ImageFileTooLargeError) {
    return new ApiError(
      413,
      "upload_too_large",
      `the image is ${error.bytes} bytes, more than this server's limit of ${error.maxFileBytes} bytes`,
    );
  }
  if (error instanceof EmptyImageError) return new ApiError(400, "empty_image", error.message);
  if (error instanceof UnsupportedImageFormatError) return new ApiError(415, "unsupported_image", error.message);
  if (error instanceof CorruptImageError) return new ApiError(400, "corrupt_image", error.message);
  return undefined;
}

/** Error codes of a write that found the disk (or the user's quota, or the database) full. */
const STORAGE_FULL_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "SQLITE_FULL"]);

/** The code of the first error in the `cause` chain that says the storage is full. */
export function storageFullCode(error: unknown): string | undefined {
  for (let at = error, depth = 0; at !== undefined && at !== null && depth < 8; depth++) {
    const code = errorCode(at);
    if (code !== undefined && STORAGE_FULL_CODES.has(code)) return code;
    at = at instanceof Error ? at.cause : undefined;
  }
  return undefined;
}

/**
 * A write that failed for want of space, as 507 Insufficient Storage: the request was fine, the
 * server cannot keep it now. Nothing of it is kept, so the client may send it again later.
 */
function storageFullApiError(error: unknown): ApiError | undefined {
  const code = storageFullCode(error);
  if (code === undefined) return undefined;
  const message = `the server's disk is full (${code}): nothing of this request was kept; try again later, once its operator has freed space`;
  return new ApiError(507, "insufficient_storage", message);
}

/** Fastify's and its plugins' own errors (body too large, bad content type, ...) carry these. */
interface FrameworkError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message: string;
}

function isFrameworkError(error: unknown): error is FrameworkError {
  return error instanceof Error && "statusCode" in error && typeof error.statusCode === "number";
}

/** Maps an error thrown while handling a request to a reply; undefined means a server fault (500). */
export function toApiError(error: unknown, limits: { readonly maxUploadBytes: number }): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const image = imageApiError(error);
  if (image) return image;
  const full = storageFullApiError(error);
  if (full) return full;
  if (!isFrameworkError(error)) return undefined;
  const status = error.statusCode ?? 500;
  if (status >= 500) return undefined;
  switch (error.code) {
    case "FST_REQ_FILE_TOO_LARGE":
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(
        413,
        "upload_too_large",
        `the upload is larger than the limit of ${limits.maxUploadBytes} bytes; send a smaller image`,
      );
    case "FST_INVALID_MULTIPART_CONTENT_TYPE":
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(
        415,
        "not_multipart",
        "send the request as multipart/form-data: a file field named image and the edit parameters as fields",
      );
    case "FST_FILES_LIMIT":
      return new ApiError(400, "too_many_files", "send exactly one file, in the field named image");
    case "FST_FIELDS_LIMIT":
    case "FST_PARTS_LIMIT":
      return new ApiError(400, "too_many_fields", "the form has too many fields; send the image and the edit parameters only");
    case "FST_PROTO_VIOLATION":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError(400, "bad_request", error.message);
    default:
      if (/field value too long|fieldSize/i.test(error.message)) {
        return new ApiError(400, "field_too_long", "a form field is too long");
      }
      return new ApiError(status, "bad_request", error.message);
  }
}
