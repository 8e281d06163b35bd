/** Random inputs and weights for the benchmarks. */
import type { Prng } from "../src/numeric/prng.js";
import { tensor, type Tensor } from "../src/tensor.js";

/** A float32 tensor of `dims` drawn from N(0, std^2) by `prng`. */
export function randomF32(prng: Prng, dims: readonly number[], std = 1): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}
