/** Matrix products. */
import { attr, type Attribute, type Value } from "../graph.js";

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

export interface GemmOptions {
  /** Use a^T (a is then [K, M]). */
  readonly transA?: boolean;
  /** Use b^T (b is then [N, K]). */
  readonly transB?: boolean;
  readonly alpha?: number;
  readonly beta?: number;
}

/** Gemm in full: y [M, N] = alpha op(a) op(b) + beta c, op(x) = x^T where asked, c broadcast to [M, N]. */
export function gemmWith(a: Value, b: Value, c: Value | null, options: GemmOptions): Value {
  const attrs: Record<string, Attribute> = {};
  if (options.transA) attrs["transA"] = attr.int(1);
  if (options.transB) attrs["transB"] = attr.int(1);
  if (options.alpha !== undefined && options.alpha !== 1) attrs["alpha"] = attr.float(options.alpha);
  if (options.beta !== undefined && options.beta !== 1) attrs["beta"] = attr.float(options.beta);
  return a.graph.addNode("Gemm", c ? [a, b, c] : [a, b], attrs)[0] as Value;
}
