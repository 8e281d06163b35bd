/**
 * The one precision value of a model's big components (the FLUX transformer and T5): float32 as
 * stored (upcast), or block-quantized linear weights (int8 / int4, ONNX Runtime's MatMulNBits) with
 * a block size. Made once from what the user asked (CLI flags or the library's options), "auto"
 * resolved once (api/auto-quant.ts), and carried as is down to the converter, which alone turns
 * the kind into bits (params/convert-tensors.ts).
 */
import { InvalidArgumentError } from "../errors.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { BLOCK_SIZES, DEFAULT_BLOCK_SIZE } from "../weights/quant/index.js";

export type PrecisionKind = "f32" | "int8" | "int4";
export type QuantizedKind = Exclude<PrecisionKind, "f32">;

export const PRECISION_KINDS: readonly PrecisionKind[] = ["f32", "int8", "int4"];

/** MatMulNBits accuracy_level: 4 quantizes the activations to int8 (int8 dot products), 1 computes in float32 on the dequantized weights. */
export type AccuracyLevel = 1 | 4;

export const ACCURACY_LEVELS: readonly AccuracyLevel[] = [4, 1];

export const DEFAULT_ACCURACY_LEVEL: AccuracyLevel = 4;

export interface Precision {
  readonly kind: PrecisionKind;
  /** Weights per quantization block (16 to 256, a power of two); recorded but unused for f32. */
  readonly blockSize: number;
  /** How quantized weights are multiplied (absent: 4, int8 activations); unused for f32. */
  readonly accuracyLevel?: AccuracyLevel;
}

export interface QuantizedPrecision extends Precision {
  readonly kind: QuantizedKind;
}

/**
 * What a caller asks for: a kind, or "auto" (chosen once from the model's sizes, the device and the
 * memory budget: api/auto-quant.ts), with the block size of whatever quantized kind results.
 */
export interface PrecisionChoice {
  readonly kind: PrecisionKind | "auto";
  /** Absent: 32 for a kind; for "auto", any (the machine's fastest). */
  readonly blockSize?: number;
  readonly accuracyLevel?: AccuracyLevel;
}

export const AUTO: PrecisionChoice = { kind: "auto" };

export const F32: Precision = { kind: "f32", blockSize: DEFAULT_BLOCK_SIZE };

/** The quantized kind each device runs best: int8 on the CPU (fast MatMulNBits, fits 24 GB), int4 on GPUs (FLUX fits 12 GB). */
export const QUANTIZED_KIND: Readonly<Record<ExecutionProvider, QuantizedKind>> = { cpu: "int8", cuda: "int4", webgpu: "int4" };

/** A checked precision; the block size defaults to 32 (GGUF's Q8_0/Q4_0 blocks, used as they are). */
export function precisionOf(
  kind: PrecisionKind,
  blockSize: number = DEFAULT_BLOCK_SIZE,
  accuracyLevel: AccuracyLevel = DEFAULT_ACCURACY_LEVEL,
): Precision {
  if (!PRECISION_KINDS.includes(kind))
    throw new InvalidArgumentError(`precision must be one of ${PRECISION_KINDS.join(", ")}, got "${String(kind)}"`);
  if (!(BLOCK_SIZES as readonly number[]).includes(blockSize)) {
    throw new InvalidArgumentError(`the quantization block size must be one of ${BLOCK_SIZES.join(", ")}, got ${blockSize}`);
  }
  if (!ACCURACY_LEVELS.includes(accuracyLevel)) {
    throw new InvalidArgumentError(
      `the MatMulNBits accuracy level must be 4 (int8 activations) or 1 (float), got ${String(accuracyLevel)}`,
    );
  }
  return accuracyLevel === DEFAULT_ACCURACY_LEVEL || kind === "f32" ? { kind, blockSize } : { kind, blockSize, accuracyLevel };
}

/** A checked choice; a bare kind takes the default block size. */
export function precisionChoice(choice: PrecisionChoice | PrecisionKind | "auto"): PrecisionChoice {
  if (typeof choice === "string") return choice === "auto" ? AUTO : precisionOf(choice);
  if (choice.kind !== "auto") return precisionOf(choice.kind, choice.blockSize, choice.accuracyLevel);
  // Checked as a kind's would be; absent stays absent (auto then takes any block size).
  return choice.blockSize === undefined ? AUTO : { kind: "auto", blockSize: precisionOf("f32", choice.blockSize).blockSize };
}

export function isQuantizedPrecision(precision: Precision | undefined): precision is QuantizedPrecision {
  return precision !== undefined && precision.kind !== "f32";
}

/** "int8, block 32" / "f32", for messages. */
export function describePrecision(precision: Precision): string {
  if (precision.kind === "f32") return "f32";
  const float = accuracyLevelOf(precision) === 1 ? ", float activations" : "";
  return `${precision.kind}, block ${precision.blockSize}${float}`;
}

export function accuracyLevelOf(precision: Precision): AccuracyLevel {
  return precision.accuracyLevel ?? DEFAULT_ACCURACY_LEVEL;
}

/** "f32", "int8-b32", "int4-b128-acc1": a precision as one token (kernel tables, bench columns). */
export function precisionName(precision: Precision): string {
  if (precision.kind === "f32") return "f32";
  const level = accuracyLevelOf(precision);
  return `${precision.kind}-b${precision.blockSize}${level === DEFAULT_ACCURACY_LEVEL ? "" : `-acc${level}`}`;
}
