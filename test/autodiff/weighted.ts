/**
 * Symbolic-shape cases need outputs of a static shape (the checker draws fixed cotangents): y times
 * a fixed random tensor of the run-time dims, whose broadcast with y's declared shape is static.
 */
import type { Value } from "../../src/onnx/index.js";
import { ops } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";
import { uniform } from "../onnx/helpers.js";

/** y [declared, possibly symbolic] -> y * R with R of `dims` drawn from `seed` ([...dims], static). */
export function weighted(y: Value, dims: readonly number[], seed = 77): Value {
  const n = dims.reduce((a, b) => a * b, 1);
  const values = uniform(n, seed, 0.5, 1.5);
  const r = y.dtype === "f64" ? tensor("f64", dims, Float64Array.from(values)) : tensor("f32", dims, values);
  return ops.mul(y, y.graph.constant(r, "weights"));
}
