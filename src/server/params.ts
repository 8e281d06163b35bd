/**
 * The edit parameters of a submission, from multipart text fields, with the same names, defaults
 * and rules as `icedit edit`. Every problem is a 400 that names the field and what it takes.
 */
import { EDIT_DEFAULTS } from "../pipelines/icedit/edit.js";
import { ApiError } from "./errors.js";
import type { EditParams } from "./job.js";

export interface ParamLimits {
  readonly maxSteps: number;
  readonly maxWidth: number;
  readonly maxInstructionChars: number;
}

export const EDIT_FIELDS = ["instruction", "seed", "steps", "guidance", "width"] as const;
/** Noise selection (several seeds, a judge picks one): accepted and checked, not run yet. */
export const NOISE_SELECTION_FIELDS = ["candidates", "early_steps"] as const;
const JUDGE_FIELD = /^judge_[a-z][a-z0-9_]{0,31}$/;

function invalid(field: string, message: string): ApiError {
  return new ApiError(400, "invalid_parameter", `${field}: ${message}`);
}

function integer(fields: ReadonlyMap<string, string>, name: string, fallback: number, min: number, max: number): number {
  const text = fields.get(name);
  if (text === undefined || text.trim() === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw invalid(name, `takes a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function finite(fields: ReadonlyMap<string, string>, name: string, fallback: number, min: number, max: number): number {
  const text = fields.get(name);
  if (text === undefined || text.trim() === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw invalid(name, `takes a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

export function parseEditParams(fields: ReadonlyMap<string, string>, limits: ParamLimits): EditParams {
  for (const name of fields.keys()) {
    const known = (EDIT_FIELDS as readonly string[]).includes(name) || (NOISE_SELECTION_FIELDS as readonly string[]).includes(name) || JUDGE_FIELD.test(name);
    if (!known) {
      throw new ApiError(400, "unknown_field", `unknown field ${JSON.stringify(name)}; the fields are image, ${EDIT_FIELDS.join(", ")} (see /openapi.json)`);
    }
  }
  const raw = fields.get("instruction");
  if (raw === undefined) throw new ApiError(400, "missing_instruction", 'the field "instruction" is required: say what to change, e.g. "make the sky green"');
  const instruction = raw.trim();
  if (instruction === "") throw new ApiError(400, "missing_instruction", 'the instruction is empty: say what to change, e.g. "make the sky green"');
  if ([...instruction].length > limits.maxInstructionChars) {
    throw invalid("instruction", `is ${[...instruction].length} characters long, more than the limit of ${limits.maxInstructionChars}`);
  }
  const seed = integer(fields, "seed", EDIT_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER);
  const steps = integer(fields, "steps", EDIT_DEFAULTS.steps, 1, limits.maxSteps);
  const guidance = finite(fields, "guidance", EDIT_DEFAULTS.guidance, 0, 1000);
  const width = integer(fields, "width", EDIT_DEFAULTS.width, 16, limits.maxWidth);
  if (width % 16 !== 0) throw invalid("width", `must be a multiple of 16, got ${width} (try ${Math.max(16, Math.round(width / 16) * 16)})`);
  checkNoiseSelection(fields, steps);
  return { instruction, seed, steps, guidance, width };
}

/**
 * Noise selection is checked like the rest, then refused with 501 when asked for: a client learns
 * at once that the server cannot do it yet, instead of getting a plain edit it did not ask for.
 */
function checkNoiseSelection(fields: ReadonlyMap<string, string>, steps: number): void {
  const candidates = integer(fields, "candidates", 1, 1, 64);
  const earlySteps = fields.has("early_steps") ? integer(fields, "early_steps", 1, 1, steps) : undefined;
  const judge = [...fields.entries()].filter(([name]) => JUDGE_FIELD.test(name));
  for (const [name, value] of judge) {
    if (value.length > 500) throw invalid(name, "is longer than 500 characters");
  }
  if (candidates > 1 || earlySteps !== undefined || judge.length > 0) {
    throw new ApiError(501, "not_implemented", "noise selection (candidates, early_steps, judge_*) is not supported by this server yet; leave those fields out for a plain edit");
  }
}
