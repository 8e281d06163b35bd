/**
 * An OpenAI `POST /v1/images/edits` form, translated into icedit's edit parameters: the fields
 * OpenAI documents become the text fields of POST /v1/edits (prompt -> instruction, size -> width (and
 * height for Kontext), quality "high" -> noise selection) and go through the same parseEditParams, with the model
 * folder's defaults; n becomes n jobs on seeds seed, seed + 1, ... Nothing here runs an edit.
 */
import { EDIT_DEFAULTS } from "../api/edit-defaults.js";
import { editSize, type OutputFormat } from "../image/index.js";
import { ApiError } from "./errors.js";
import type { EditParams, InputInfo } from "./job.js";
import { resolveModelId, type ServedModel } from "./openai-models.js";
import { parseEditParams, type ParamLimits, type SelectionSupport, type ServedEdit } from "./params.js";
import type { Form, FormRules } from "./upload.js";

export const MAX_N = 4;
const RESPONSE_FORMATS = ["b64_json", "url"] as const;
const OUTPUT_FORMATS: readonly OutputFormat[] = ["png", "jpeg", "webp"];
const QUALITIES = ["auto", "high", "medium", "low", "standard"];

/** OpenAI's fields (and icedit's seed, steps, guidance and method), each with the values it takes. */
const TEXT_FIELDS = [
  "prompt",
  "model",
  "n",
  "size",
  "quality",
  "response_format",
  "output_format",
  "output_compression",
  "background",
  "input_fidelity",
  "stream",
  "partial_images",
  "user",
  "seed",
  "steps",
  "guidance",
  "method",
] as const;

export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

/** What the request asks for, before its image is looked at. */
export interface OpenAiEditRequest {
  readonly image: Uint8Array;
  readonly model: string;
  readonly n: number;
  /** The parameters of the first job (its seed; the others follow it). */
  readonly params: EditParams;
  /** size "WxH" (absent: "auto"). */
  readonly size?: { readonly width: number; readonly height: number };
  readonly responseFormat: ResponseFormat;
  readonly outputFormat: OutputFormat;
  /** JPEG and WebP quality, 1 to 100 (output_compression; absent: the encoder's default). */
  readonly quality?: number;
  /** Things accepted and ignored, for the Warning header. */
  readonly warnings: readonly string[];
}

/** image (or image[]) once; mask accepted and drained unread; anything else refused. */
export const OPENAI_IMAGE_FORM: FormRules = {
  fileFields: ["image", "image[]", "mask"],
  maxFiles: 3,
  describe: "the picture in a file field named image, the prompt and OpenAI's other fields as text fields",
  onFile: (field, earlier) => {
    if (field === "mask") {
      if (earlier.some((f) => f.field === "mask")) throw new ApiError(400, "too_many_files", "mask: send at most one mask");
      return "drain";
    }
    if (field !== "image" && field !== "image[]") {
      throw new ApiError(400, "unknown_field", `${field}: a file came in this field; send the picture in image (the mask in mask)`);
    }
    if (earlier.some((f) => f.field !== "mask")) {
      throw new ApiError(
        400,
        "too_many_images",
        `${field}: a job edits one image (ICEdit takes no reference images; Kontext's several references are for the CLI and the library): send exactly one file in image (or image[])`,
      );
    }
    return "keep";
  },
};

export interface OpenAiParseDeps {
  readonly limits: ParamLimits;
  readonly support: SelectionSupport;
  /** The local worker's model, whose method and folder defaults apply (null or absent: remote workers). */
  readonly servedEdit?: ServedEdit;
  readonly served: readonly ServedModel[];
}

function invalid(field: string, message: string): ApiError {
  return new ApiError(400, "invalid_parameter", `${field}: ${message}`);
}

function oneOf<T extends string>(fields: ReadonlyMap<string, string>, name: string, values: readonly T[], fallback: T): T {
  const text = fields.get(name)?.trim();
  if (text === undefined || text === "") return fallback;
  const found = values.find((v) => v === text);
  if (found === undefined) throw invalid(name, `takes ${values.join(", ")}, got ${JSON.stringify(text)}`);
  return found;
}

function wholeNumber(fields: ReadonlyMap<string, string>, name: string, min: number, max: number): number | undefined {
  const text = fields.get(name)?.trim();
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(name, `takes a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function parseSize(text: string | undefined): { width: number; height: number } | undefined {
  const trimmed = text?.trim();
  if (trimmed === undefined || trimmed === "" || trimmed === "auto") return undefined;
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(trimmed);
  if (!match) throw invalid("size", `takes "auto" or WIDTHxHEIGHT such as "512x384", got ${JSON.stringify(trimmed)}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** parseEditParams' messages name icedit's fields: name the OpenAI field the value came from. */
function asOpenAiField(error: unknown, sizeGiven: boolean): unknown {
  if (!(error instanceof ApiError)) return error;
  const renamed = error.message.replace(/^instruction: /, "prompt: ").replace(/^(width|height): /, sizeGiven ? "size: " : "$1: ");
  return renamed === error.message ? error : new ApiError(error.status, error.code, renamed, error.headers);
}

export function parseOpenAiEdit(form: Form, deps: OpenAiParseDeps): OpenAiEditRequest {
  const { fields } = form;
  for (const name of fields.keys()) {
    if (!(TEXT_FIELDS as readonly string[]).includes(name)) {
      throw new ApiError(400, "unknown_field", `${name}: not a field of this endpoint; it takes image, mask, ${TEXT_FIELDS.join(", ")}`);
    }
  }
  const image = form.files.find((f) => f.field !== "mask")?.bytes;
  if (!image) throw new ApiError(400, "missing_image", "image: is required: the picture to edit (PNG, JPEG, WebP, ...) as a file");
  const prompt = fields.get("prompt")?.trim();
  if (!prompt) throw new ApiError(400, "missing_instruction", 'prompt: is required: say what to change, e.g. "make the sky green"');
  const model = resolveModelId(fields.get("model"), deps.served);
  const n = wholeNumber(fields, "n", 1, MAX_N) ?? 1;
  const size = parseSize(fields.get("size"));
  const quality = oneOf(fields, "quality", QUALITIES, "auto");
  const responseFormat = oneOf(fields, "response_format", RESPONSE_FORMATS, "b64_json");
  const outputFormat = oneOf(fields, "output_format", OUTPUT_FORMATS, "png");
  if (responseFormat === "url" && outputFormat !== "png") {
    throw invalid("output_format", `the url of an edit serves PNG only: ask for response_format "b64_json" to get ${outputFormat}`);
  }
  const compression = wholeNumber(fields, "output_compression", 0, 100);
  if (oneOf(fields, "background", ["auto", "opaque", "transparent"], "auto") === "transparent")
    throw invalid("background", 'ICEdit paints opaque images: send "auto" or "opaque"');
  if (oneOf(fields, "stream", ["false", "true"], "false") === "true")
    throw invalid("stream", "this endpoint answers once the edit is done; follow progress on /v1/edits/{id}/events instead");
  wholeNumber(fields, "partial_images", 0, 3);
  oneOf(fields, "input_fidelity", ["high", "low"], "high");

  const editFields = new Map<string, string>([["instruction", prompt]]);
  if (size) editFields.set("width", String(size.width));
  // Kontext makes any output size: size WxH is both sides (ICEdit's height follows the aspect: jobParams checks it).
  if (size && (deps.servedEdit?.method ?? fields.get("method")?.trim()) === "kontext") editFields.set("height", String(size.height));
  for (const name of ["seed", "steps", "guidance", "method"]) {
    const value = fields.get(name);
    if (value !== undefined) editFields.set(name, value);
  }
  // One noise-selection run (the server's judge picks the best of several seeds) for quality "high".
  if (quality === "high" && n === 1 && deps.support.noiseSelection) editFields.set("candidates", String(EDIT_DEFAULTS.candidates));
  let params: EditParams;
  try {
    params = parseEditParams(editFields, deps.limits, deps.support, deps.servedEdit ?? null);
  } catch (error) {
    throw asOpenAiField(error, size !== undefined);
  }
  if (params.seed + n - 1 > Number.MAX_SAFE_INTEGER) throw invalid("seed", `leaves no room for ${n} seeds after it`);
  const warnings = form.files.some((f) => f.field === "mask")
    ? [
        params.method === "kontext"
          ? "mask ignored: FLUX.1 Kontext edits the whole image as the prompt says"
          : "mask ignored: ICEdit repaints the whole image under its own mask (the right half of its diptych)",
      ]
    : [];
  return {
    image,
    model,
    n,
    params,
    ...(size ? { size } : {}),
    responseFormat,
    outputFormat,
    ...(compression === undefined || outputFormat === "png" ? {} : { quality: Math.max(1, compression) }),
    warnings,
  };
}

/**
 * The jobs' parameters once the image is known: n seeds from the first, and for ICEdit size checked
 * against what the edit gives (ICEdit keeps the input's aspect ratio: the height follows from the
 * width; Kontext makes the size asked for).
 */
export function jobParams(request: OpenAiEditRequest, input: InputInfo): EditParams[] {
  const out = editSize(input.width, input.height, request.params.width ?? EDIT_DEFAULTS.width);
  if (request.size && request.params.method !== "kontext" && request.size.height !== out.height) {
    const got = `${request.size.width}x${request.size.height}`;
    throw invalid(
      "size",
      `ICEdit keeps the input's aspect ratio: this ${input.width}x${input.height} image edited at width ${out.width} comes out ` +
        `${out.width}x${out.height}, not ${got}; send size "${out.width}x${out.height}" or "auto"`,
    );
  }
  return Array.from({ length: request.n }, (_, i) => ({ ...request.params, seed: request.params.seed + i }));
}
