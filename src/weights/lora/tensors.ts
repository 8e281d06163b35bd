/** Host-side tensor helpers for adapter weights (float32). */
import { tensor, type Tensor } from "../../tensor.js";
import type { TensorSource } from "../source.js";
import { LoraFormatError } from "./errors.js";

/** [rows, cols] -> [rows, width] with zero columns appended. */
export function padColumns(t: Tensor<"f32">, width: number): Tensor<"f32"> {
  const [rows, cols] = t.dims as [number, number];
  const out = tensor("f32", [rows, width]);
  for (let r = 0; r < rows; r++) out.data.set(t.data.subarray(r * cols, (r + 1) * cols), r * width);
  return out;
}

/** Rows [a; b] -> [b; a] of a [rows, ...] tensor (rows even). */
export function swapRowHalves(t: Tensor<"f32">): Tensor<"f32"> {
  const half = t.data.length / 2;
  const out = tensor("f32", t.dims);
  out.data.set(t.data.subarray(half), 0);
  out.data.set(t.data.subarray(0, half), half);
  return out;
}

/** A one-element tensor (an alpha) as a number, whatever its dtype. */
export async function readScalar(source: TensorSource, key: string): Promise<number> {
  const t = await source.read(key);
  if (t.data.length !== 1)
    throw new LoraFormatError(source.description, `${key} must hold one number, it has shape [${t.dims.join(", ")}]`);
  if (t.data instanceof BigInt64Array) return Number(t.data[0]);
  if (t.dtype === "f32" || t.dtype === "f64" || t.dtype === "i32" || t.dtype === "i8" || t.dtype === "u8") return Number(t.data[0]);
  return (await source.readF32(key)).data[0] as number;
}
