/** The safetensors dtype names this project reads and writes, and their project dtypes. */
import type { DType } from "../../tensor.js";

export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  F32: "f32",
  F16: "f16",
  BF16: "bf16",
  F64: "f64",
  I64: "i64",
  I32: "i32",
  I8: "i8",
  U8: "u8",
  BOOL: "bool",
};

const NAME_OF: Readonly<Record<DType, string>> = {
  f32: "F32",
  f16: "F16",
  bf16: "BF16",
  f64: "F64",
  i64: "I64",
  i32: "I32",
  i8: "I8",
  u8: "U8",
  bool: "BOOL",
};

export const SUPPORTED_SAFETENSORS_DTYPES: readonly string[] = Object.keys(SAFETENSORS_DTYPES);

/** The project dtype for a safetensors name, or undefined when it is not supported. */
export function dtypeFromSafetensors(name: string): DType | undefined {
  return Object.hasOwn(SAFETENSORS_DTYPES, name) ? SAFETENSORS_DTYPES[name] : undefined;
}

export function safetensorsDTypeName(dtype: DType): string {
  return NAME_OF[dtype];
}
