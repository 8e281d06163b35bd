/** Matrix products. */
import { attr, type Value } from "../graph.js";

/** numpy matmul: [..., M, K] @ [..., K, N]. */
export function matmul(a: Value, b: Value): Value {
  return a.graph.addNode("MatMul", [a, b], {})[0] as Value;
}

/** Gemm: a [M, K] times weight [N, K] (torch layout, transB = 1) plus an optional bias [N]. */
export function gemmTransB(a: Value, weight: Value, bias: Value | null): Value {
  const inputs = bias ? [a, weight, bias] : [a, weight];
  return a.graph.addNode("Gemm", inputs, { transB: attr.int(1) })[0] as Value;
}

/** Gemm without transposes: a [M, K] @ b [K, N] + c (c broadcast to [M, N]). */
export function gemm(a: Value, b: Value, c: Value | null): Value {
  return a.graph.addNode("Gemm", c ? [a, b, c] : [a, b], {})[0] as Value;
}
