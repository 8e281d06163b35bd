/**
 * Gradient rules of the matrix products. MatMul (numpy batching): dA = dY B^T and dB = A^T dY,
 * each summed back over the batch axes its operand was broadcast along. Gemm (2-D, optional
 * transposes, alpha, beta, a broadcast C): the same products, each one Gemm whose transpose flags
 * absorb the transposes, so no transposed copy of a weight is made.
 */
import type { Value } from "../../onnx/graph.js";
import { gemmWith, matmul, mul, squeeze, transpose, unsqueeze } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { constantLike, sumToShape } from "../values.js";

/** x with its last two axes swapped: [..., M, N] -> [..., N, M]. */
export function swapLastTwo(x: Value): Value {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose(x, perm);
}

/**
 * MatMul: A [..., M, K] @ B [..., K, N] -> Y [..., M, N]. A 1-D A is taken as a row [1, K] and a
 * 1-D B as a column [K, 1] (numpy), so dY gets that axis back before the products and the
 * operand's gradient loses it after.
 */
function matmulGradient(q: GradientQuery): (Value | null)[] {
  const [a0, b0] = [q.input(0), q.input(1)];
  const a = a0.shape.length === 1 ? unsqueeze(a0, [0]) : a0;
  const b = b0.shape.length === 1 ? unsqueeze(b0, [1]) : b0;
  let dy = q.grad();
  if (a0.shape.length === 1) dy = unsqueeze(dy, [dy.shape.length - (b0.shape.length === 1 ? 0 : 1)]);
  if (b0.shape.length === 1) dy = unsqueeze(dy, [dy.shape.length]);
  /** The gradient of a 2-D-or-more operand, summed to its shape, without the added axis of a 1-D one. */
  const back = (grad: Value, operand: Value, original: Value, addedAxis: number): Value => {
    const summed = sumToShape(grad, operand);
    return operand === original ? summed : squeeze(summed, [addedAxis]);
  };
  // dA [..., M, K] = dY [..., M, N] @ B^T; dB [..., K, N] = A^T @ dY.
  const da = q.wanted(0) ? back(matmul(dy, swapLastTwo(b)), a, a0, 0) : null;
  const db = q.wanted(1) ? back(matmul(swapLastTwo(a), dy), b, b0, 1) : null;
  return [da, db];
}

/**
 * Gemm: Y [M, N] = alpha op(A) op(B) + beta C with op(A) [M, K], op(B) [K, N].
 * dop(A) = alpha dY op(B)^T and dop(B) = alpha op(A)^T dY; where A (or B) is stored transposed,
 * its gradient is the transpose of that product, which swaps the Gemm's operands.
 */
function gemmGradient(q: GradientQuery): (Value | null)[] {
  const [a, b, c] = [q.input(0), q.input(1), q.optional(2)];
  const [transA, transB] = [q.int("transA", 0) === 1, q.int("transB", 0) === 1];
  const alpha = q.float("alpha", 1);
  const beta = q.float("beta", 1);
  const dy = q.grad();
  let da: Value | null = null;
  let db: Value | null = null;
  if (q.wanted(0)) {
    // A [M, K]: alpha dY op(B)^T.  A [K, M]: alpha op(B) dY^T.
    da = transA ? gemmWith(b, dy, null, { transA: transB, transB: true, alpha }) : gemmWith(dy, b, null, { transB: !transB, alpha });
  }
  if (q.wanted(1)) {
    // B [K, N]: alpha op(A)^T dY.  B [N, K]: alpha dY^T op(A).
    db = transB ? gemmWith(dy, a, null, { transA: true, transB: transA, alpha }) : gemmWith(a, dy, null, { transA: !transA, alpha });
  }
  let dc: Value | null = null;
  if (c && q.wanted(2)) {
    const summed = sumToShape(dy, c);
    dc = beta === 1 ? summed : mul(summed, constantLike(summed, beta));
  }
  return [da, db, dc];
}

export const LINEAR_GRADIENTS = gradientEntries({
  MatMul: matmulGradient,
  Gemm: gemmGradient,
});
