/**
 * Reading a submission: a multipart form with one file (the image) and text fields (the edit
 * parameters). The whole form is bounded (file size, field count and size); the image's type is
 * sniffed from its bytes, its pixel count checked from the header before anything is decoded.
 */
import { finished } from "node:stream/promises";
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

/** A file part of a form: its field, and its bytes unless the form's rules drained them unread. */
export interface FormFile {
  readonly field: string;
  readonly bytes: Uint8Array | null;
}

export interface Form {
  readonly files: readonly FormFile[];
  readonly fields: ReadonlyMap<string, string>;
}

/** Which file parts a form takes, and what to do with each as it arrives. */
export interface FormRules {
  /** The fields that carry files (a text part in one of them is refused). */
  readonly fileFields: readonly string[];
  /** Most file parts the parser reads (past it, 400 too_many_files). */
  readonly maxFiles: number;
  /** Keep a file's bytes, or drain them unread; throws an ApiError to refuse it (`earlier`: the files before it). */
  readonly onFile: (field: string, earlier: readonly FormFile[]) => "keep" | "drain";
  /** The form, as its error messages name it: "a file field named image and the edit parameters as fields". */
  readonly describe: string;
}

const IMAGE_FIELD = "image";
const SEND_FORM =
  "send a whole multipart/form-data body, with the boundary that the Content-Type header names (an HTTP client's form support does this)";
const NAME = "the uploaded image";

/** icedit's own form (POST /v1/edits): one file, in the field image; the edit parameters as text fields. */
const EDIT_FORM: FormRules = {
  fileFields: [IMAGE_FIELD],
  maxFiles: 1,
  describe: "a file field named image and the edit parameters as fields",
  onFile: (field, earlier) => {
    if (field !== IMAGE_FIELD)
      throw new ApiError(
        400,
        "unknown_field",
        `a file came in the field ${JSON.stringify(field)}; send the image in the field named image`,
      );
    if (earlier.length > 0) throw new ApiError(400, "too_many_files", "send exactly one image");
    return "keep";
  },
};

export async function readUpload(request: FastifyRequest): Promise<Upload> {
  const form = await readForm(request, EDIT_FORM);
  const image = form.files[0]?.bytes;
  if (!image) throw new ApiError(400, "missing_image", "the file field image is required: the picture to edit (PNG, JPEG, WebP, ...)");
  return { image, fields: form.fields };
}

/** Reads a whole multipart form: its files by `rules`, its text fields (each at most once). */
export async function readForm(request: FastifyRequest, rules: FormRules): Promise<Form> {
  if (!request.isMultipart()) throw new ApiError(415, "not_multipart", `send the request as multipart/form-data: ${rules.describe}`);
  const files: FormFile[] = [];
  const fields = new Map<string, string>();
  let parts = 0;
  try {
    for await (const part of request.parts({ limits: { files: rules.maxFiles } })) {
      parts++;
      if (part.type === "file") {
        let what: "keep" | "drain";
        try {
          what = rules.onFile(part.fieldname, files);
        } catch (error) {
          part.file.resume();
          throw error;
        }
        if (what === "drain") {
          part.file.resume(); // read to its end (the size limit still applies), kept nowhere
          await finished(part.file);
          if (part.file.truncated) throw new ApiError(413, "upload_too_large", `the file in ${part.fieldname} is over the size limit`);
          files.push({ field: part.fieldname, bytes: null });
          continue;
        }
        const buffer = await part.toBuffer(); // throws 413 past the file size limit
        files.push({ field: part.fieldname, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) });
      } else {
        if (rules.fileFields.includes(part.fieldname))
          throw new ApiError(400, "missing_image", `the field ${part.fieldname} must be a file (multipart with a filename), not text`);
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
    const message = `the multipart/form-data body holds no form field (a wrong boundary?); ${SEND_FORM}, with ${rules.describe}`;
    throw new ApiError(400, "bad_multipart", message);
  }
  return { files, fields };
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
