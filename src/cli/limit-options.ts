/**
 * The edit limits on the command line (`--max-steps N`, ...): the library's table
 * (api/edit-limits.ts) with the user's raised values, and option parsing that refuses values over them.
 */
import { DEFAULT_EDIT_LIMITS, type EditLimits } from "../api/edit-limits.js";
import { UsageError } from "./io.js";
import { intOption } from "./options.js";

export const LIMIT_OPTIONS = {
  "max-steps": { type: "string" },
  "max-width": { type: "string" },
  "max-candidates": { type: "string" },
  "max-pixels": { type: "string" },
} as const;

export const LIMIT_OPTIONS_USAGE = `  --max-steps N        most --steps allowed (a guard against typos) default: ${DEFAULT_EDIT_LIMITS.maxSteps}
  --max-width N        largest --width allowed                    default: ${DEFAULT_EDIT_LIMITS.maxWidth}
  --max-candidates N   most --candidates allowed                  default: ${DEFAULT_EDIT_LIMITS.maxCandidates}
  --max-pixels N       largest width x height of an input image   default: ${DEFAULT_EDIT_LIMITS.maxPixels}`;

export interface LimitValues {
  readonly "max-steps"?: string;
  readonly "max-width"?: string;
  readonly "max-candidates"?: string;
  readonly "max-pixels"?: string;
}

export function limitOptions(values: LimitValues): Omit<EditLimits, "maxThreads"> {
  return {
    maxSteps: intOption("max-steps", values["max-steps"], DEFAULT_EDIT_LIMITS.maxSteps, 1),
    maxWidth: intOption("max-width", values["max-width"], DEFAULT_EDIT_LIMITS.maxWidth, 16),
    maxCandidates: intOption("max-candidates", values["max-candidates"], DEFAULT_EDIT_LIMITS.maxCandidates, 1),
    maxPixels: intOption("max-pixels", values["max-pixels"], DEFAULT_EDIT_LIMITS.maxPixels, 1),
  };
}

/** A whole number from `min` to `max`; over `max` the message says which option raises the limit. */
export function boundedIntOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  raisedBy: string,
): number {
  const n = intOption(name, value, fallback, min);
  if (n > max) throw new UsageError(`--${name} ${n} is more than the limit of ${max}: add --${raisedBy} ${n} if you mean it`);
  return n;
}
