/**
 * Symbolic-shape cases: the harness draws a cotangent per output and needs static output shapes,
 * so a case whose inputs are declared with symbolic dims ends in withStaticShape.
 */
import { ops, type Value } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";

/** y + zeros of the static `dims`: y's values, declared with a static shape (Add's rule passes dy through). */
export function withStaticShape(y: Value, dims: readonly number[]): Value {
  return ops.add(y, y.graph.constant(tensor(y.dtype, dims), "zeros"));
}
