/** Checks of what callers hand the torch-compatible generator: seeds, shapes and dtypes. */
import { InvalidArgumentError } from "../errors.js";

/** The dtypes torch.randn is reproduced for. */
export type TorchRandnDType = "f32" | "bf16";

const TWO_64 = 1n << 64n;
const MIN_SEED = -(1n << 63n);
/** Largest tensor randn makes here (typed-array lengths stay well inside V8's limit). */
const MAX_NUMEL = 2 ** 31 - 1;

/**
 * The seed as torch stores it: `Generator.manual_seed` takes any Python int in
 * [-2^63, 2^64) and keeps it as a uint64 (negative values as two's complement).
 */
export function torchSeedToUint64(seed: number | bigint): bigint {
  let value: bigint;
  if (typeof seed === "bigint") {
    value = seed;
  } else if (typeof seed === "number" && Number.isSafeInteger(seed)) {
    value = BigInt(seed);
  } else if (typeof seed === "number" && Number.isInteger(seed)) {
    throw new InvalidArgumentError(
      `seed ${seed} is beyond 2^53, where a JavaScript number may already have lost digits: pass the seed as a bigint (e.g. ${BigInt(seed)}n)`,
    );
  } else {
    throw new InvalidArgumentError(`seed must be an integer (a number or a bigint), got ${String(seed)}`);
  }
  if (value < MIN_SEED || value >= TWO_64) {
    throw new InvalidArgumentError(`seed ${value} is outside [-2^63, 2^64), the range torch.Generator.manual_seed accepts`);
  }
  return value < 0n ? value + TWO_64 : value;
}

/**
 * The 32 bits that seed mt19937: torch's engine keeps the uint64 seed but initialises its state
 * from `seed & 0xffffffff` only, so seeds that agree in their low 32 bits give the same stream.
 */
export function mt19937SeedOf(seed64: bigint): number {
  return Number(seed64 & 0xffffffffn);
}

/** Element count of a randn shape; each size must be a non-negative integer. */
export function randnNumel(dims: readonly number[]): number {
  if (!Array.isArray(dims)) throw new InvalidArgumentError(`randn needs a shape (an array of sizes), got ${String(dims)}`);
  let n = 1;
  for (const [i, d] of dims.entries()) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new InvalidArgumentError(`randn shape [${dims.join(", ")}]: size ${i} is ${String(d)}; sizes must be integers >= 0`);
    }
    n *= d;
  }
  if (n > MAX_NUMEL) {
    throw new InvalidArgumentError(`randn shape [${dims.join(", ")}] has ${n} elements, more than ${MAX_NUMEL}: draw it in smaller pieces`);
  }
  return n;
}

const DTYPE_NAMES: Readonly<Record<string, TorchRandnDType>> = {
  f32: "f32",
  float32: "f32",
  float: "f32",
  "torch.float32": "f32",
  F32: "f32",
  bf16: "bf16",
  bfloat16: "bf16",
  "torch.bfloat16": "bf16",
  BF16: "bf16",
};

/** Maps a dtype name (icedit's "f32"/"bf16", torch's "float32"/"bfloat16", safetensors' "F32"/"BF16"). */
export function torchRandnDType(name: string): TorchRandnDType {
  const dtype = typeof name === "string" && Object.hasOwn(DTYPE_NAMES, name) ? DTYPE_NAMES[name] : undefined;
  if (!dtype) {
    throw new InvalidArgumentError(`torch.randn is reproduced for float32 and bfloat16 only, not ${String(name)}: ask for "f32" or "bf16"`);
  }
  return dtype;
}
