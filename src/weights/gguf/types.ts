/**
 * GGUF v3 vocabulary (docs/golden.md §1.2): metadata value types, ggml tensor types and
 * what this project reads of them, and the parsed header.
 */
import type { DType } from "../../tensor.js";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml tensors have at most 4 dimensions. */
export const GGUF_MAX_DIMS = 4;

/** Metadata value type names, indexed by their u32 id. */
export const GGUF_VALUE_TYPES = [
  "UINT8",
  "INT8",
  "UINT16",
  "INT16",
  "UINT32",
  "INT32",
  "FLOAT32",
  "BOOL",
  "STRING",
  "ARRAY",
  "UINT64",
  "INT64",
  "FLOAT64",
] as const;
export type GgufValueTypeName = (typeof GGUF_VALUE_TYPES)[number];

/** A metadata value; 64-bit integers stay exact as bigint, arrays keep their element type. */
export type GgufValue =
  | { readonly type: "UINT8" | "INT8" | "UINT16" | "INT16" | "UINT32" | "INT32" | "FLOAT32" | "FLOAT64"; readonly value: number }
  | { readonly type: "UINT64" | "INT64"; readonly value: bigint }
  | { readonly type: "BOOL"; readonly value: boolean }
  | { readonly type: "STRING"; readonly value: string }
  | { readonly type: "ARRAY"; readonly elementType: GgufValueTypeName; readonly value: readonly GgufValue[] };

/** The ggml tensor types this project reads. */
export type GgmlFloatType = "F32" | "F16" | "BF16";
export type GgmlBlockType = "Q8_0" | "Q4_0";
export type GgmlTypeName = GgmlFloatType | GgmlBlockType;

export interface GgmlTypeInfo {
  readonly name: GgmlTypeName;
  /** Elements per block (1 for float types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly blockBytes: number;
}

/** Readable types by ggml type id. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map([
  [0, { name: "F32", blockSize: 1, blockBytes: 4 }],
  [1, { name: "F16", blockSize: 1, blockBytes: 2 }],
  [2, { name: "Q4_0", blockSize: 32, blockBytes: 18 }],
  [8, { name: "Q8_0", blockSize: 32, blockBytes: 34 }],
  [30, { name: "BF16", blockSize: 1, blockBytes: 2 }],
]);

/** Names of the other ggml type ids, so a refusal can say what the file holds. */
export const OTHER_GGML_TYPE_NAMES: Readonly<Record<number, string>> = {
  3: "Q4_1",
  4: "Q4_2 (removed from ggml)",
  5: "Q4_3 (removed from ggml)",
  6: "Q5_0",
  7: "Q5_1",
  9: "Q8_1",
  10: "Q2_K",
  11: "Q3_K",
  12: "Q4_K",
  13: "Q5_K",
  14: "Q6_K",
  15: "Q8_K",
  16: "IQ2_XXS",
  17: "IQ2_XS",
  18: "IQ3_XXS",
  19: "IQ1_S",
  20: "IQ4_NL",
  21: "IQ3_S",
  22: "IQ2_S",
  23: "IQ4_XS",
  24: "I8",
  25: "I16",
  26: "I32",
  27: "I64",
  28: "F64",
  29: "IQ1_M",
  31: "Q4_0_4_4 (removed from ggml)",
  32: "Q4_0_4_8 (removed from ggml)",
  33: "Q4_0_8_8 (removed from ggml)",
  34: "TQ1_0",
  35: "TQ2_0",
  39: "MXFP4",
};

export function ggmlTypeName(id: number): string {
  return GGML_TYPES.get(id)?.name ?? OTHER_GGML_TYPE_NAMES[id] ?? `unknown ggml type ${id}`;
}

export function isBlockType(type: GgmlTypeName): type is GgmlBlockType {
  return type === "Q8_0" || type === "Q4_0";
}

/** The project dtype that read() returns for each ggml type (block types are dequantized). */
export const READ_DTYPE: Readonly<Record<GgmlTypeName, DType>> = { F32: "f32", F16: "f16", BF16: "bf16", Q8_0: "f32", Q4_0: "f32" };

/** One tensor info of the header, as stored (name before any prefix is stripped). */
export interface GgufTensorInfo {
  readonly name: string;
  readonly type: GgmlTypeName;
  /** ggml order: ne[0] (the row length) first. */
  readonly ne: readonly number[];
  /** Torch shape: `ne` reversed. */
  readonly dims: readonly number[];
  /** Relative to dataStart; a multiple of the alignment. */
  readonly offset: number;
  /** Bytes of data: (elements / blockSize) * blockBytes. */
  readonly nbytes: number;
}

/** Everything the header says. */
export interface GgufInfo {
  readonly version: number;
  readonly alignment: number;
  /** First byte of the tensor data (the header end padded to the alignment). */
  readonly dataStart: number;
  readonly fileSize: number;
  /** In file order. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** In file order. */
  readonly tensors: readonly GgufTensorInfo[];
}
