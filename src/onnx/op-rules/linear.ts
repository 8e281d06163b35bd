/** Shape rules of matrix products: MatMul (numpy batching, 1-D operands) and Gemm (2-D, optional transposes and C). */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import { broadcast, shapeText } from "../shape.js";
import type { Dim, OutputSpec } from "../ir.js";

/** numpy matmul: a 1-D A is a row [1, K], a 1-D B a column [K, 1], and the added axis is dropped from the result. */
function matmul(q: ShapeQuery): OutputSpec[] {
  const a = q.input(0, "A");
  const b = q.input(1, "B");
  if (a.shape.length < 1 || b.shape.length < 1) q.fail(`operands must be at least 1-D (${a.name}, ${b.name})`);
  if (a.dtype !== b.dtype) q.fail(`dtypes ${a.dtype} and ${b.dtype} differ (${a.name}, ${b.name})`);
  const as: readonly Dim[] = a.shape.length === 1 ? [1, a.shape[0] as Dim] : a.shape;
  const bs: readonly Dim[] = b.shape.length === 1 ? [b.shape[0] as Dim, 1] : b.shape;
  const k1 = as[as.length - 1];
  const k2 = bs[bs.length - 2];
  if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
    q.fail(`${shapeText(a.shape)} @ ${shapeText(b.shape)}: inner dimensions differ`);
  }
  const shape = broadcast(as.slice(0, -2), bs.slice(0, -2), q.opType);
  if (a.shape.length > 1) shape.push(as[as.length - 2] as Dim);
  if (b.shape.length > 1) shape.push(bs[bs.length - 1] as Dim);
  return [{ dtype: a.dtype, shape }];
}

/** Y [M, N] = op(A) op(B) + C, op a transpose when transA / transB is 1; C broadcasts to [M, N]. */
function gemm(q: ShapeQuery): OutputSpec[] {
  const a = q.input(0, "A");
  const b = q.input(1, "B");
  if (a.shape.length !== 2 || b.shape.length !== 2) q.fail(`needs 2-D operands, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`);
  if (a.dtype !== b.dtype) q.fail(`dtypes ${a.dtype} and ${b.dtype} differ (${a.name}, ${b.name})`);
  const [m, k] = (q.int("transA", 0) ? [a.shape[1], a.shape[0]] : a.shape) as [Dim, Dim];
  const [kb, n] = (q.int("transB", 0) ? [b.shape[1], b.shape[0]] : b.shape) as [Dim, Dim];
  if (typeof k === "number" && typeof kb === "number" && k !== kb) {
    q.fail(`input ${a.name} ${shapeText(a.shape)} does not fit weight ${b.name} ${shapeText(b.shape)}`);
  }
  const c = q.optional(2);
  if (c) {
    if (c.dtype !== a.dtype) q.fail(`C ${c.name} is ${c.dtype}, A ${a.dtype}`);
    const want: readonly Dim[] = [m, n];
    const fits = c.shape.every((d, i) => {
      const w = want[want.length - c.shape.length + i];
      return d === 1 || d === w || typeof d !== "number" || typeof w !== "number";
    });
    if (c.shape.length > 2 || !fits) q.fail(`C ${c.name} ${shapeText(c.shape)} does not broadcast to [${m}, ${n}]`);
  }
  return [{ dtype: a.dtype, shape: [m, n] }];
}

export const LINEAR_OPS: readonly OpSchema[] = opSchemas({
  MatMul: matmul,
  Gemm: gemm,
});
