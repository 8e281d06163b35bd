/**
 * The edit options of issue 16's faster edits: step caching (`cache`: "none", "fbcache",
 * "teacache", optionally ":threshold", or the same as an object) and the T5 sequence length
 * (`maxTextTokens`). One parser for the library, the CLI and the server; errors are EditOptionErrors.
 */
import { T5_MAX_LENGTH } from "../components/icedit-models.js";
import {
  DEFAULT_CACHE_THRESHOLDS,
  STEP_CACHE_KINDS,
  type StepCacheKind,
  type StepCacheSettings,
} from "../pipelines/step-cache/settings.js";
import { describeValue } from "./edit-limits.js";
import { EditOptionError } from "./errors.js";

export { DEFAULT_CACHE_THRESHOLDS };

/** The longest T5 sequence an edit may ask for (FLUX.1 Fill's). */
export const MAX_TEXT_TOKENS = T5_MAX_LENGTH;

/** "none", "fbcache", "teacache", "fbcache:0.1", ... or { kind, threshold? }. */
export type StepCacheOption = string | { readonly kind: StepCacheKind | "none"; readonly threshold?: number };

export const CACHE_FORMS = `none, fbcache[:threshold] or teacache[:threshold] (threshold a number >= 0; defaults fbcache:${DEFAULT_CACHE_THRESHOLDS.fbcache}, teacache:${DEFAULT_CACHE_THRESHOLDS.teacache})`;

function cacheError(value: unknown, why = ""): EditOptionError {
  return new EditOptionError("cache", value, `cache takes ${CACHE_FORMS}, got ${describeValue(value)}${why}`);
}

function threshold(value: unknown, given: unknown): number {
  const n = typeof given === "string" ? (given.trim() === "" ? Number.NaN : Number(given)) : given;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) throw cacheError(value, ": the threshold must be a number >= 0");
  return n;
}

/** The step cache an edit asks for (undefined: off); refuses anything else with an EditOptionError. */
export function resolveStepCache(value: unknown): StepCacheSettings | undefined {
  if (value === undefined || value === "none") return undefined;
  let kind: unknown;
  let given: unknown;
  if (typeof value === "string") {
    const at = value.indexOf(":");
    kind = at < 0 ? value : value.slice(0, at);
    given = at < 0 ? undefined : value.slice(at + 1);
  } else if (typeof value === "object" && value !== null && "kind" in value) {
    kind = value.kind;
    given = "threshold" in value ? value.threshold : undefined;
  } else throw cacheError(value);
  if (kind === "none" && given === undefined) return undefined;
  if (!STEP_CACHE_KINDS.includes(kind as StepCacheKind)) throw cacheError(value);
  const k = kind as StepCacheKind;
  return { kind: k, threshold: given === undefined ? DEFAULT_CACHE_THRESHOLDS[k] : threshold(value, given) };
}

/** The T5 sequence length an edit asks for: a whole number from 1 to 512 (undefined: the model's). */
export function checkMaxTextTokens(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_TEXT_TOKENS) {
    const message = `maxTextTokens (the T5 sequence length) takes a whole number from 1 to ${MAX_TEXT_TOKENS}, got ${describeValue(value)}`;
    throw new EditOptionError("maxTextTokens", value, message);
  }
  return value;
}
