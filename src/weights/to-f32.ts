/** Float32 view of a tensor of any float dtype, for TensorSource.readF32. */
import { bf16ToF32, f16ToF32 } from "../numeric/float16.js";
import type { DType, Tensor } from "../tensor.js";
import { TensorDTypeError } from "./errors.js";

/** A tensor whose `dtype` narrows its `data`. */
export type AnyTensor = { [D in DType]: Tensor<D> }[DType];

/**
 * f32 is returned as is; f16 and bf16 are upcast exactly; f64 is rounded to the nearest float32.
 * Integer and bool tensors throw TensorDTypeError naming `name` and `file`.
 */
export function toF32(t: Tensor, name: string, file: string): Tensor<"f32"> {
  const typed = t as AnyTensor;
  switch (typed.dtype) {
    case "f32":
      return typed;
    case "bf16":
      return { dtype: "f32", dims: typed.dims, data: bf16ToF32(typed.data) };
    case "f16":
      return { dtype: "f32", dims: typed.dims, data: f16ToF32(typed.data) };
    case "f64":
      return { dtype: "f32", dims: typed.dims, data: Float32Array.from(typed.data) };
    default:
      throw new TensorDTypeError(name, file, typed.dtype, "float32");
  }
}
