/**
 * Reading Hugging Face `config.json` objects (T5 here, CLIP in ../clip): typed field access with
 * transformers' defaults, and one error class whose messages name the model, the field and what
 * was found.
 */
import { InvalidArgumentError } from "../../errors.js";

/** A config.json does not describe a model icedit can run (wrong type, missing or invalid field). */
export class HfConfigError extends InvalidArgumentError {}

export type HfJson = Readonly<Record<string, unknown>>;

export function isHfJson(v: unknown): v is HfJson {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class HfFields {
  constructor(
    readonly json: HfJson,
    readonly what: string,
  ) {}

  private fail(key: string, want: string): never {
    const got = this.json[key];
    const shown = got === undefined ? "it is missing" : `got ${JSON.stringify(got)}`;
    throw new HfConfigError(`${this.what} config.json: ${key} must be ${want}, ${shown}`);
  }

  /** A positive integer (or, with `min` 0, a non-negative one); `fallback` when the field is absent. */
  int(key: string, fallback?: number, min = 1): number {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) this.fail(key, min === 0 ? "an integer >= 0" : "a positive integer");
    return v;
  }

  /** An integer that may be negative or absent (token ids): null when absent or null. */
  optionalInt(key: string, fallback: number | null = null): number | null {
    const v = this.json[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v)) this.fail(key, "an integer or null");
    return v;
  }

  positive(key: string, fallback?: number): number {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) this.fail(key, "a positive number");
    return v;
  }

  string(key: string, fallback?: string): string {
    const v = this.json[key] ?? fallback;
    if (typeof v !== "string") this.fail(key, "a string");
    return v;
  }
}

/** How a config.json writer records the weights (CLIP and T5 alike). */
export interface HfConfigWriteOptions {
  /** The weights' dtype as transformers records it; default "float32". */
  readonly dtype?: "float32" | "bfloat16" | "float16";
  /** Default "4.57.6" (the version whose format this writes: "dtype", not "torch_dtype"). */
  readonly transformersVersion?: string;
}
