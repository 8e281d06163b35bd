/**
 * The edit parameters of a submission, from multipart text fields, with the same names, defaults
 * and rules as `icedit edit`. Every problem is a 400 that names the field and what it takes.
 */
import { EDIT_DEFAULTS } from "../api/edit-defaults.js";
import type { ModelEditDefaults } from "../api/model-settings.js";
import { JUDGE_FALLBACKS } from "../index.js";
import { ApiError } from "./errors.js";
import { DEFAULT_EDIT_LIMITS } from "../api/edit-limits.js";
import type { EditParams, SelectionParams } from "./job.js";
import { CACHE_FORMS, MAX_TEXT_TOKENS, resolveStepCache } from "../api/step-cache-option.js";

export interface ParamLimits {
  readonly maxSteps: number;
  readonly maxWidth: number;
  readonly maxInstructionChars: number;
}

export const EDIT_FIELDS = ["instruction", "seed", "steps", "guidance", "width", "cache", "max_text_tokens"] as const;
/** Noise selection: several seeds run a few steps, the server's judge picks the best one. */
export const NOISE_SELECTION_FIELDS = ["candidates", "early_steps", "judge_fallback"] as const;
/** Other judge settings (URL, model, key, ...) are the operator's: a client may not point the server anywhere. */
const JUDGE_FIELD = /^judge_[a-z][a-z0-9_]{0,31}$/;

function invalid(field: string, message: string): ApiError {
  return new ApiError(400, "invalid_parameter", `${field}: ${message}`);
}

function integer(fields: ReadonlyMap<string, string>, name: string, fallback: number, min: number, max: number): number {
  const text = fields.get(name);
  if (text === undefined || text.trim() === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(name, `takes a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function finite(fields: ReadonlyMap<string, string>, name: string, fallback: number, min: number, max: number): number {
  const text = fields.get(name);
  if (text === undefined || text.trim() === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw invalid(name, `takes a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** Whether this server can run noise selection (a judge is configured, or remote workers decide). */
export interface SelectionSupport {
  readonly noiseSelection: boolean;
}

/** `modelDefaults`: the local model folder's own width and guidance, for a request that names none (else EDIT_DEFAULTS'). */
export function parseEditParams(
  fields: ReadonlyMap<string, string>,
  limits: ParamLimits,
  support: SelectionSupport,
  modelDefaults: ModelEditDefaults = {},
): EditParams {
  for (const name of fields.keys()) {
    const known =
      (EDIT_FIELDS as readonly string[]).includes(name) ||
      (NOISE_SELECTION_FIELDS as readonly string[]).includes(name) ||
      JUDGE_FIELD.test(name);
    if (!known) {
      throw new ApiError(
        400,
        "unknown_field",
        `unknown field ${JSON.stringify(name)}; the fields are image, ${EDIT_FIELDS.join(", ")} (see /openapi.json)`,
      );
    }
  }
  const raw = fields.get("instruction");
  if (raw === undefined)
    throw new ApiError(400, "missing_instruction", 'the field "instruction" is required: say what to change, e.g. "make the sky green"');
  const instruction = raw.trim();
  if (instruction === "")
    throw new ApiError(400, "missing_instruction", 'the instruction is empty: say what to change, e.g. "make the sky green"');
  if ([...instruction].length > limits.maxInstructionChars) {
    throw invalid("instruction", `is ${[...instruction].length} characters long, more than the limit of ${limits.maxInstructionChars}`);
  }
  const seed = integer(fields, "seed", EDIT_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER);
  const steps = integer(fields, "steps", EDIT_DEFAULTS.steps, 1, limits.maxSteps);
  const guidance = finite(fields, "guidance", modelDefaults.guidance ?? EDIT_DEFAULTS.guidance, 0, 1000);
  const width = integer(fields, "width", modelDefaults.width ?? EDIT_DEFAULTS.width, 16, limits.maxWidth);
  if (width % 16 !== 0) throw invalid("width", `must be a multiple of 16, got ${width} (try ${Math.max(16, Math.round(width / 16) * 16)})`);
  const faster = { ...cacheParam(fields), ...maxTextTokensParam(fields) };
  const selection = parseSelection(fields, steps, support);
  return selection
    ? { instruction, seed, steps, guidance, width, ...faster, selection }
    : { instruction, seed, steps, guidance, width, ...faster };
}

/** cache: none, fbcache[:threshold] or teacache[:threshold]; kept as sent (the library resolves it), absent when off. */
function cacheParam(fields: ReadonlyMap<string, string>): { cache?: string } {
  const text = fields.get("cache")?.trim();
  if (text === undefined || text === "" || text === "none") return {};
  try {
    resolveStepCache(text);
  } catch {
    throw invalid("cache", `takes ${CACHE_FORMS}, got ${JSON.stringify(text)}`);
  }
  return { cache: text };
}

/** max_text_tokens: the T5 sequence length, 1 to 512; absent: the model's. */
function maxTextTokensParam(fields: ReadonlyMap<string, string>): { maxTextTokens?: number } {
  const text = fields.get("max_text_tokens");
  if (text === undefined || text.trim() === "") return {};
  return { maxTextTokens: integer(fields, "max_text_tokens", MAX_TEXT_TOKENS, 1, MAX_TEXT_TOKENS) };
}

/**
 * Noise selection is on with candidates >= 2. The judge is the server's (icedit serve --judge ...):
 * judge fields other than judge_fallback are refused, and a server without a judge answers 501.
 */
function parseSelection(fields: ReadonlyMap<string, string>, steps: number, support: SelectionSupport): SelectionParams | undefined {
  for (const name of fields.keys()) {
    if (JUDGE_FIELD.test(name) && name !== "judge_fallback") {
      throw new ApiError(
        400,
        "judge_is_server_side",
        `${name}: the judge is set by the server's operator (icedit serve --judge ...); a request can only ask for noise selection with candidates, early_steps and judge_fallback`,
      );
    }
  }
  const candidates = integer(fields, "candidates", 1, 1, DEFAULT_EDIT_LIMITS.maxCandidates);
  const earlyText = fields.get("early_steps")?.trim() || undefined;
  const fallbackText = fields.get("judge_fallback")?.trim() || undefined;
  if (candidates < 2) {
    if (earlyText !== undefined || fallbackText !== undefined) {
      throw invalid(
        earlyText !== undefined ? "early_steps" : "judge_fallback",
        "is part of noise selection: also send candidates (2 or more)",
      );
    }
    return undefined;
  }
  if (steps < 2) throw invalid("steps", "noise selection needs at least 2 steps (early steps, then the winner's remaining ones)");
  const earlySteps = earlyText === undefined ? undefined : integer(fields, "early_steps", 1, 1, steps - 1);
  const fallback = fallbackText === undefined ? "none" : JUDGE_FALLBACKS.find((f) => f === fallbackText);
  if (fallback === undefined) throw invalid("judge_fallback", `takes ${JUDGE_FALLBACKS.join(" or ")}, got ${JSON.stringify(fallbackText)}`);
  if (!support.noiseSelection) {
    throw new ApiError(
      501,
      "no_judge",
      "this server has no judge for noise selection; its operator can add one (icedit serve --judge openai|ollama --judge-model NAME). Leave candidates out for a plain edit",
    );
  }
  return earlySteps === undefined ? { candidates, fallback } : { candidates, earlySteps, fallback };
}
