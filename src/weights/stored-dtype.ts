/**
 * Trained f32 weights as a file stores them: f32 as they are, or bf16 (each value rounded to
 * nearest even, as torch's .to(bfloat16)), half the bytes, as FLUX's and ICEdit's released weights.
 */
import { f32ToBf16 } from "../numeric/float16.js";
import { tensor, type Tensor } from "../tensor.js";

export type StoredDtype = "f32" | "bf16";

/** tensors by name -> the same names and dims in `dtype`. */
export function inStoredDtype(tensors: ReadonlyMap<string, Tensor<"f32">>, dtype: StoredDtype): ReadonlyMap<string, Tensor> {
  if (dtype === "f32") return tensors;
  return new Map([...tensors].map(([name, t]) => [name, tensor("bf16", t.dims, f32ToBf16(t.data))]));
}
