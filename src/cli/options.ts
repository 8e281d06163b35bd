/** Parsing option values with errors that say which option and what it takes. */
import { UsageError } from "./io.js";
import { BLOCK_SIZES, type PrecisionChoice, type PrecisionKind } from "../api/index.js";
import { EditOptionError } from "../api/errors.js";
import { CACHE_FORMS, resolveStepCache } from "../api/step-cache-option.js";

export function intOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number >= ${min}, got "${value}"`);
  return n;
}

/** A finite number, or `fallback` (undefined too) when the option is absent. */
export function numberOption<F extends number | undefined>(name: string, value: string | undefined, fallback: F): number | F {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number, got "${value}"`);
  return n;
}

export function choiceOption<T extends string>(name: string, value: string | undefined, fallback: T, choices: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} takes one of ${choices.join(", ")}, got "${value}"`);
  return value as T;
}

export function blockSizeOption(name: string, value: string | undefined, fallback: number): number {
  const size = intOption(name, value, fallback, 1);
  if (!(BLOCK_SIZES as readonly number[]).includes(size)) throw new UsageError(`--${name} takes ${BLOCK_SIZES.join(", ")}, got ${size}`);
  return size;
}

/** --quant (one of `kinds`; absent: "auto") and --block-size as the one precision value the library takes ("auto" resolved there). */
export function precisionOption(
  quant: string | undefined,
  blockSize: string | undefined,
  kinds: readonly (PrecisionKind | "auto")[],
): PrecisionChoice {
  const kind = choiceOption("quant", quant, "auto", kinds);
  // With auto and no --block-size, the machine's kernel table picks the block size too.
  if (kind === "auto" && blockSize === undefined) return { kind };
  return { kind, blockSize: blockSizeOption("block-size", blockSize, 32) };
}

/** --cache as the library takes it (none, fbcache[:T], teacache[:T]); the library's check, in the flag's words. */
export function cacheOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    resolveStepCache(value);
  } catch (error) {
    if (error instanceof EditOptionError) throw new UsageError(`--cache takes ${CACHE_FORMS}, got "${value}"`);
    throw error;
  }
  return value;
}

/** --true-cfg-scale: a number >= 1 (1: off), or undefined when not given (the model's or the library's default applies). */
export function trueCfgScaleOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOption("true-cfg-scale", value, 1);
  if (n < 1) throw new UsageError(`--true-cfg-scale takes a number >= 1 (1: off; e.g. 2.5), got "${value}"`);
  return n;
}
