/** Matrix products. */
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { broadcast, shapeText } from "../shape.js";

/** numpy matmul: [..., M, K] @ [..., K, N]. */
export function matmul(a: Value, b: Value): Value {
  if (a.shape.length < 2 || b.shape.length < 2) throw new GraphBuildError(`MatMul: operands must be at least 2-D (${a.name}, ${b.name})`);
  const k1 = a.shape[a.shape.length - 1];
  const k2 = b.shape[b.shape.length - 2];
  if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
    throw new GraphBuildError(`MatMul: ${shapeText(a.shape)} @ ${shapeText(b.shape)}: inner dimensions differ`);
  }
  const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2), "MatMul");
  const shape: Dim[] = [...batch, a.shape[a.shape.length - 2] as Dim, b.shape[b.shape.length - 1] as Dim];
  return a.graph.addNode("MatMul", [a, b], {}, [{ dtype: a.dtype, shape }])[0] as Value;
}

/** Gemm: a [M, K] times weight [N, K] (torch layout, transB = 1) plus an optional bias [N]. */
export function gemmTransB(a: Value, weight: Value, bias: Value | null): Value {
  if (a.shape.length !== 2 || weight.shape.length !== 2) {
    throw new GraphBuildError(`Gemm: needs 2-D operands, got ${shapeText(a.shape)} and ${shapeText(weight.shape)}`);
  }
  const [m, k] = a.shape as [Dim, Dim];
  const [n, kw] = weight.shape as [Dim, Dim];
  if (typeof k === "number" && typeof kw === "number" && k !== kw) {
    throw new GraphBuildError(`Gemm: input ${shapeText(a.shape)} does not fit weight ${weight.name} ${shapeText(weight.shape)}`);
  }
  const inputs = bias ? [a, weight, bias] : [a, weight];
  return a.graph.addNode("Gemm", inputs, { transB: attr.int(1) }, [{ dtype: a.dtype, shape: [m, n] }])[0] as Value;
}
