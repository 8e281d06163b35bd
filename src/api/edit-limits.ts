/**
 * The most an edit may ask for: one table for the library, the CLI and the server's defaults.
 * Each limit can be raised on purpose (library `limits: {...}`, CLI `--max-steps N` and the like,
 * server `--max-steps N`); without them a typo such as `--steps 1e9` would run for years.
 */
import { availableParallelism } from "node:os";
import { DEFAULT_MAX_PIXELS } from "../image/limits.js";
import { EditOptionError } from "./errors.js";

export interface EditLimits {
  /** Denoising steps. */
  readonly maxSteps: number;
  /** Width of the edited image (the diptych is twice as wide). */
  readonly maxWidth: number;
  /** Noise selection's candidates (seeds tried). */
  readonly maxCandidates: number;
  /** CPU threads of the inference engine. */
  readonly maxThreads: number;
  /** Width x height of an input image, checked from its header before decoding. */
  readonly maxPixels: number;
}

/** Threads beyond this many per core only add memory and contention. */
export const THREADS_PER_CORE = 4;

export const DEFAULT_EDIT_LIMITS: Omit<EditLimits, "maxThreads"> = {
  maxSteps: 100,
  maxWidth: 2048,
  maxCandidates: 64,
  maxPixels: DEFAULT_MAX_PIXELS,
};

export function defaultThreadLimit(): number {
  return THREADS_PER_CORE * availableParallelism();
}

/** The default limits with the caller's raised (or lowered) ones; each given limit must be a whole number >= 1. */
export function resolveEditLimits(given: Partial<EditLimits> = {}): EditLimits {
  const limits: EditLimits = { ...DEFAULT_EDIT_LIMITS, maxThreads: defaultThreadLimit(), ...definedOnly(given) };
  for (const key of ["maxSteps", "maxWidth", "maxCandidates", "maxThreads", "maxPixels"] as const) {
    const value: unknown = limits[key];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new EditOptionError(`limits.${key}`, value, `limits.${key} takes a whole number >= 1, got ${describeValue(value)}`);
    }
  }
  return limits;
}

function definedOnly(given: Partial<EditLimits>): Partial<EditLimits> {
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<EditLimits>;
}

/** A value as a message shows it: numbers as they are, strings quoted, and what else it is. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)} (a string)`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : String(value);
}
