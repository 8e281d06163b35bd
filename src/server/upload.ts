/**
 * Reading a submission: a multipart form with one file (the image) and text fields (the edit
 * parameters). The whole form is bounded (file size, field count and size); the image's type is
 * sniffed from its bytes, its pixel count checked from the header before anything is decoded.
 */
import type { FastifyRequest } from "fastify";
import type {} from "@fastify/multipart"; // its request.parts() and isMultipart()
import { decodeImage, probeImage } from "../image/index.js";
import { ApiError, imageApiError } from "./errors.js";
import type { InputInfo } from "./job.js";

export interface UploadLimits {
  readonly maxUploadBytes: number;
  readonly maxPixels: number;
}

export interface Upload {
  readonly image: Uint8Array;
  readonly fields: ReadonlyMap<string, string>;
}

const IMAGE_FIELD = "image";
const SEND_FORM =
  "send a whole multipart/form-data body, with the boundary that the Content-Type header names (an HTTP client's form support does this)";
const NAME = "the uploaded image";

export async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new ApiError(
      415,
      "not_multipart",
      "send the request as multipart/form-data: a file field named image and the edit parameters as fields",
    );
  }
  let image: Uint8Array | undefined;
  const fields = new Map<string, string>();
  let parts = 0;
  try {
    for await (const part of request.parts()) {
      parts++;
      if (part.type === "file") {
        if (part.fieldname !== IMAGE_FIELD) {
          part.file.resume();
          throw new ApiError(
            400,
            "unknown_field",
            `a file came in the field ${JSON.stringify(part.fieldname)}; send the image in the field named image`,
          );
        }
        if (image !== undefined) throw new ApiError(400, "too_many_files", "send exactly one image");
        const buffer = await part.toBuffer(); // throws 413 past the file size limit
        image = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } else {
        if (part.fieldname === IMAGE_FIELD)
          throw new ApiError(400, "missing_image", "the field image must be a file (multipart with a filename), not text");
        if (part.valueTruncated || part.fieldnameTruncated) {
          throw new ApiError(400, "field_too_long", `the field ${JSON.stringify(part.fieldname)} is too long`);
        }
        if (fields.has(part.fieldname))
          throw new ApiError(400, "duplicate_field", `the field ${JSON.stringify(part.fieldname)} was sent twice`);
        fields.set(part.fieldname, String(part.value));
      }
    }
  } catch (error) {
    throw multipartApiError(error) ?? error;
  }
  if (parts === 0) {
    const message = `the multipart/form-data body holds no form field (a wrong boundary?); ${SEND_FORM}, with the image in a file field named image`;
    throw new ApiError(400, "bad_multipart", message);
  }
  if (image === undefined)
    throw new ApiError(400, "missing_image", "the file field image is required: the picture to edit (PNG, JPEG, WebP, ...)");
  return { image, fields };
}

/**
 * The multipart parser's own errors (no boundary, a body cut short, a malformed part) as a 400:
 * they are the client's mistake. Errors with an HTTP status (size limits) and the API's own pass.
 */
function multipartApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError || !(error instanceof Error) || "statusCode" in error) return undefined;
  if (/boundary not found/i.test(error.message)) {
    return new ApiError(400, "bad_multipart", `the Content-Type multipart/form-data names no boundary; ${SEND_FORM}`);
  }
  const what = /unexpected end/i.test(error.message) ? "ends before the form does (cut short, or a wrong boundary)" : "is malformed";
  return new ApiError(400, "bad_multipart", `the multipart/form-data body ${what}; ${SEND_FORM}`);
}

/**
 * What the bytes are, by their content: the pixel limit is applied to the header's dimensions
 * first, then the image is decoded once (and thrown away) so that a corrupt file is refused now
 * rather than failing its job later.
 */
export async function inspectImage(bytes: Uint8Array, limits: UploadLimits): Promise<InputInfo> {
  try {
    if (bytes.length > limits.maxUploadBytes) {
      throw new ApiError(
        413,
        "upload_too_large",
        `the image is ${bytes.length} bytes, more than this server's limit of ${limits.maxUploadBytes} bytes`,
      );
    }
    await decodeImage(bytes, { name: NAME, maxPixels: limits.maxPixels });
    const info = await probeImage(bytes, { name: NAME });
    return { format: info.format, width: info.width, height: info.height, bytes: bytes.length };
  } catch (error) {
    throw imageApiError(error) ?? error;
  }
}
