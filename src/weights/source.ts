/**
 * What every weight source offers (one safetensors file, a sharded set, an in-memory map or a
 * converting view): named tensors, read lazily.
 */
import type { DType, Tensor } from "../tensor.js";

/**
 * Where a tensor lives. `fileOffset` / `byteLength` locate its little-endian bytes in `file`.
 * An entry that has no byte range of its own (an in-memory tensor, or one a layout view computes
 * from several stored tensors) has `fileOffset` -1; read it with `read()`. `derivedFrom` then lists
 * the stored entries it is computed from, if any.
 */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly file: string;
  readonly fileOffset: number;
  readonly byteLength: number;
  readonly derivedFrom?: readonly TensorEntry[];
}

/** Implemented by a single file and by a sharded set (and by the views in this folder). */
export interface TensorSource {
  /** File path (or index path) for error messages. */
  readonly description: string;
  names(): string[];
  has(name: string): boolean;
  /** Throws MissingTensorError naming the tensor and the file. */
  entry(name: string): TensorEntry;
  /** Native dtype, exact bytes; files give a fresh (aligned) typed array, in-memory sources their stored tensor. */
  read(name: string): Promise<Tensor>;
  /** f16/bf16 upcast exactly, f64 rounded to nearest; integer and bool tensors are refused (TensorDTypeError). */
  readF32(name: string): Promise<Tensor<"f32">>;
  metadata(): Record<string, string>;
  close(): Promise<void>;
}

/** Every tensor of `source` as float32, by name (small files: adapters, trained weights). */
export async function readAllF32(source: TensorSource): Promise<Map<string, Tensor<"f32">>> {
  const out = new Map<string, Tensor<"f32">>();
  for (const name of source.names()) out.set(name, await source.readF32(name));
  return out;
}
