/**
 * The library's one check of an edit request, before any work: the image is an image, the
 * instruction a string, every number a number of the right kind, and nothing over the session's
 * limits (api/edit-limits.ts). Errors name the option, the value and, for a limit, how to raise it.
 */
import { describeValue, type EditLimits } from "./edit-limits.js";
import { REFERENCE_PLACEMENTS } from "../pipelines/kontext/references.js";
import { EditOptionError } from "./errors.js";
import { checkMaxTextTokens, resolveStepCache } from "./step-cache-option.js";

/** The numbers of noise selection (EditOptions.selection), as a caller (maybe plain JavaScript) passed them. */
export interface SelectionNumbers {
  readonly candidates?: unknown;
  readonly seeds?: unknown;
  readonly earlySteps?: unknown;
  readonly batchSize?: unknown;
  readonly previewBatch?: unknown;
}

/** The numbers of an edit, as a caller (maybe plain JavaScript) passed them. */
export interface EditNumbers {
  readonly seed?: unknown;
  readonly steps?: unknown;
  readonly guidance?: unknown;
  readonly trueCfgScale?: unknown;
  readonly negativePrompt?: unknown;
  readonly width?: unknown;
  readonly height?: unknown;
  readonly keepSize?: unknown;
  readonly references?: unknown;
  readonly referencePlacement?: unknown;
  readonly cache?: unknown;
  readonly maxTextTokens?: unknown;
  readonly selection?: SelectionNumbers;
}

type LimitName = "maxSteps" | "maxWidth" | "maxCandidates" | "maxThreads";

const RAISE = "pass a higher one in limits when opening the session (IceditSession.open or edit())";

function overLimit(option: string, value: number, limits: EditLimits, name: LimitName): EditOptionError {
  const max = limits[name];
  const message = `${option} is ${value}, more than the limit of ${max}: ${RAISE}, e.g. limits: { ${name}: ${value} }`;
  return new EditOptionError(option, value, message, { name, max });
}

/** A whole number from `min` up, at most the named limit; undefined stays undefined (the default applies). */
function whole(option: string, value: unknown, min: number, limits?: EditLimits, limit?: LimitName): void {
  if (value === undefined) return;
  const range = limits && limit ? `from ${min} to ${limits[limit]}` : `>= ${min}`;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new EditOptionError(option, value, `${option} takes a whole number ${range}, got ${describeValue(value)}`);
  }
  if (limits && limit && value > limits[limit]) throw overLimit(option, value, limits, limit);
}

/** Checks what `IceditSession.edit` and `edit()` are given; throws EditOptionError. */
export function checkEditRequest(image: unknown, instruction: unknown, options: EditNumbers, limits: EditLimits): void {
  checkImageInput(image);
  if (typeof instruction !== "string") {
    const message = `instruction must be a string (what to change, e.g. "make the sky green"), got ${describeValue(instruction)}`;
    throw new EditOptionError("instruction", instruction, message);
  }
  whole("seed", options.seed, 0);
  whole("steps", options.steps, 1, limits, "maxSteps");
  if (options.guidance !== undefined && (typeof options.guidance !== "number" || !Number.isFinite(options.guidance))) {
    throw new EditOptionError("guidance", options.guidance, `guidance takes a finite number, got ${describeValue(options.guidance)}`);
  }
  checkTrueCfg(options.trueCfgScale, options.negativePrompt);
  for (const [name, value] of [
    ["width", options.width],
    ["height", options.height],
  ] as const) {
    whole(name, value, 16, limits, "maxWidth");
    if (typeof value === "number" && value % 16 !== 0) {
      const nearest = Math.max(16, Math.round(value / 16) * 16);
      throw new EditOptionError(name, value, `${name} must be a multiple of 16, got ${value} (try ${nearest})`);
    }
  }
  if (options.keepSize !== undefined && typeof options.keepSize !== "boolean")
    throw new EditOptionError("keepSize", options.keepSize, `keepSize takes true or false, got ${describeValue(options.keepSize)}`);
  checkReferences(options.references, options.referencePlacement);
  resolveStepCache(options.cache);
  checkMaxTextTokens(options.maxTextTokens);
  if (options.selection !== undefined) checkSelection(options.selection, limits);
}

/** The longest negative prompt taken: the encoders read at most 512 tokens, and a token is a few characters. */
export const MAX_NEGATIVE_PROMPT_CHARS = 4096;

function checkTrueCfg(scale: unknown, negativePrompt: unknown): void {
  if (scale !== undefined && (typeof scale !== "number" || !Number.isFinite(scale) || scale < 1)) {
    const message = `trueCfgScale takes a finite number >= 1 (1: off; e.g. 2.5), got ${describeValue(scale)}`;
    throw new EditOptionError("trueCfgScale", scale, message);
  }
  if (negativePrompt === undefined) return;
  if (typeof negativePrompt !== "string")
    throw new EditOptionError("negativePrompt", negativePrompt, `negativePrompt takes a string, got ${describeValue(negativePrompt)}`);
  if (negativePrompt.length > MAX_NEGATIVE_PROMPT_CHARS) {
    const message = `negativePrompt has ${negativePrompt.length} characters, more than the ${MAX_NEGATIVE_PROMPT_CHARS} the text encoders can use: shorten it`;
    throw new EditOptionError("negativePrompt", `${negativePrompt.length} characters`, message);
  }
}

function checkSelection(selection: SelectionNumbers, limits: EditLimits): void {
  whole("candidates", selection.candidates, 1, limits, "maxCandidates");
  if (selection.seeds !== undefined) {
    if (!Array.isArray(selection.seeds)) {
      throw new EditOptionError("seeds", selection.seeds, `seeds takes a list of whole numbers, got ${describeValue(selection.seeds)}`);
    }
    if (selection.seeds.length > limits.maxCandidates) throw overLimit("seeds.length", selection.seeds.length, limits, "maxCandidates");
    selection.seeds.forEach((s: unknown, i) => whole(`seeds[${i}]`, s, 0));
  }
  whole("earlySteps", selection.earlySteps, 1);
  whole("batchSize", selection.batchSize, 1);
  whole("previewBatch", selection.previewBatch, 1);
}

/** Intra-op threads at open: 0 (one per core) up to limits.maxThreads. */
export function checkThreads(threads: unknown, limits: EditLimits): void {
  whole("threads", threads, 0, limits, "maxThreads");
}

function checkImageInput(image: unknown, option = "image"): void {
  if (typeof image === "string") {
    if (image === "")
      throw new EditOptionError(option, image, `${option} is an empty path: give a file path, encoded bytes or [H, W, 3] u8 pixels`);
    return;
  }
  if (image instanceof Uint8Array || isTensorLike(image)) return;
  throw new EditOptionError(
    option,
    image,
    `${option} must be a file path, encoded bytes (Uint8Array) or a [H, W, 3] u8 Tensor, got ${describeValue(image)}`,
  );
}

/** Kontext's further reference images: a list of images, and a known placement. */
function checkReferences(references: unknown, placement: unknown): void {
  if (references !== undefined) {
    if (!Array.isArray(references))
      throw new EditOptionError("references", references, `references takes a list of images, got ${describeValue(references)}`);
    references.forEach((r: unknown, i) => checkImageInput(r, `references[${i}]`));
  }
  if (placement !== undefined && !(REFERENCE_PLACEMENTS as readonly unknown[]).includes(placement)) {
    const message = `referencePlacement is one of ${REFERENCE_PLACEMENTS.join(", ")}, got ${describeValue(placement)}`;
    throw new EditOptionError("referencePlacement", placement, message);
  }
}

/** A tensor's shape: its dtype and dims are the pipeline's to check (checkRgbImage names what is wrong). */
function isTensorLike(image: unknown): boolean {
  return typeof image === "object" && image !== null && "dtype" in image && "dims" in image && Array.isArray(image.dims) && "data" in image;
}
