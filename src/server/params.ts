/**
 * The edit parameters of a submission, from multipart text fields, with the same names, defaults
 * and rules as `icedit edit`. Every problem is a 400 that names the field and what it takes.
 */
import { EDIT_DEFAULTS } from "../api/edit-defaults.js";
import { EDIT_METHODS, type EditMethod } from "../api/edit-method.js";
import { methodEditDefaults } from "../api/method-defaults.js";
import type { ModelIdentity } from "../api/open-model.js";
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

export const EDIT_FIELDS = [
  "instruction",
  "method",
  "seed",
  "steps",
  "guidance",
  "true_cfg_scale",
  "negative_prompt",
  "width",
  "height",
  "cache",
  "max_text_tokens",
] as const;

/** The largest true CFG scale a request may ask for (the scale multiplies a velocity difference). */
export const MAX_TRUE_CFG_SCALE = 100;
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

/** The model the server's own worker runs: its method and its folder's edit defaults (null: remote workers, unknown here). */
export type ServedEdit = Pick<ModelIdentity, "method" | "editDefaults"> | null;

/**
 * The job's parameters. The method is the served model's (a `method` field must name it, as
 * `--method` must fit the model), or with remote workers the one the field asks for; its defaults
 * (methodEditDefaults, after the model folder's own) fill what the request leaves out. With remote
 * workers and no method, only the seed is filled in: the workers' model decides the rest.
 */
export function parseEditParams(
  fields: ReadonlyMap<string, string>,
  limits: ParamLimits,
  support: SelectionSupport,
  served: ServedEdit = null,
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
  const method = methodParam(fields, served);
  const defaults = method === undefined ? undefined : methodEditDefaults(method, served?.editDefaults);
  const seed = integer(fields, "seed", EDIT_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER);
  const steps = givenOr(fields, "steps", defaults?.steps, (fallback) => integer(fields, "steps", fallback, 1, limits.maxSteps));
  const guidance = givenOr(fields, "guidance", defaults?.guidance, (fallback) => finite(fields, "guidance", fallback, 0, 1000));
  const trueCfg = trueCfgParams(fields, method, defaults?.trueCfgScale, limits);
  const width = side(fields, "width", defaults?.width, limits);
  const height = side(fields, "height", undefined, limits);
  if (height !== undefined && method === undefined)
    throw invalid(
      "height",
      "applies to FLUX.1 Kontext edits: send method kontext with it (this server's workers must run a Kontext model)",
    );
  if (height !== undefined && method === "icedit")
    throw invalid("height", "applies to FLUX.1 Kontext edits; ICEdit's height follows the source's aspect at the edit width");
  const faster = { ...cacheParam(fields), ...maxTextTokensParam(fields) };
  const selection = parseSelection(fields, steps ?? EDIT_DEFAULTS.steps, support);
  return {
    instruction,
    ...(method === undefined ? {} : { method }),
    seed,
    ...(steps === undefined ? {} : { steps }),
    ...(guidance === undefined ? {} : { guidance }),
    ...trueCfg,
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
    ...faster,
    ...(selection ? { selection } : {}),
  };
}

/** `parse(fallback)` when the field is given or there is a default; else undefined (the model decides). */
function givenOr(
  fields: ReadonlyMap<string, string>,
  name: string,
  fallback: number | undefined,
  parse: (fallback: number) => number,
): number | undefined {
  const text = fields.get(name);
  if ((text === undefined || text.trim() === "") && fallback === undefined) return undefined;
  return parse(fallback ?? 0);
}

/** width or height: a multiple of 16 up to the width limit. */
function side(
  fields: ReadonlyMap<string, string>,
  name: "width" | "height",
  fallback: number | undefined,
  limits: ParamLimits,
): number | undefined {
  const value = givenOr(fields, name, fallback, (f) => integer(fields, name, f, 16, limits.maxWidth));
  if (value !== undefined && value % 16 !== 0)
    throw invalid(name, `must be a multiple of 16, got ${value} (try ${Math.max(16, Math.round(value / 16) * 16)})`);
  return value;
}

/** method: icedit or kontext; it must be the served model's (as --method must fit the model). */
function methodParam(fields: ReadonlyMap<string, string>, served: ServedEdit): EditMethod | undefined {
  const text = fields.get("method")?.trim() || undefined;
  const asked = text === undefined ? undefined : EDIT_METHODS.find((m) => m === text);
  if (text !== undefined && asked === undefined) throw invalid("method", `takes ${EDIT_METHODS.join(" or ")}, got ${JSON.stringify(text)}`);
  if (served === null) return asked;
  if (asked !== undefined && asked !== served.method) {
    const runs =
      served.method === "kontext" ? "FLUX.1 Kontext [dev], which edits with Kontext" : "FLUX.1 Fill [dev], which edits with ICEdit";
    throw new ApiError(
      400,
      "method_not_served",
      `method: this server's model is ${runs}, not ${asked}: send method ${served.method} or leave it out (its operator chooses the model: icedit serve --model ...)`,
    );
  }
  return served.method;
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

/**
 * true_cfg_scale (1 to MAX_TRUE_CFG_SCALE; default the model's, when the server knows it) and
 * negative_prompt (at most as long as an instruction): ICEdit's true classifier-free guidance.
 */
function trueCfgParams(
  fields: ReadonlyMap<string, string>,
  method: EditMethod | undefined,
  fallback: number | undefined,
  limits: ParamLimits,
): { trueCfgScale?: number; negativePrompt?: string } {
  const negativePrompt = fields.get("negative_prompt");
  const asked = fields.get("true_cfg_scale") !== undefined || negativePrompt !== undefined;
  if (asked && method === "kontext") throw invalid("true_cfg_scale", "(true CFG) applies to ICEdit edits, not to FLUX.1 Kontext edits");
  const trueCfgScale = givenOr(fields, "true_cfg_scale", fallback, (f) => finite(fields, "true_cfg_scale", f, 1, MAX_TRUE_CFG_SCALE));
  if (negativePrompt !== undefined && [...negativePrompt].length > limits.maxInstructionChars) {
    throw invalid(
      "negative_prompt",
      `is ${[...negativePrompt].length} characters long, more than the limit of ${limits.maxInstructionChars}`,
    );
  }
  return {
    ...(trueCfgScale === undefined ? {} : { trueCfgScale }),
    ...(negativePrompt === undefined ? {} : { negativePrompt }),
  };
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
