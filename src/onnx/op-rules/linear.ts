/** Shape rules of matrix products: MatMul (numpy batching) and Gemm (2-D, optional transposes and C). */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import { broadcast, shapeText } from "../shape.js";
import type { Dim, OutputSpec } from "../ir.js";

function matmul(q: ShapeQuery): OutputSpec[] {
  const a = q.input(0, "A");
  const b = q.input(1, "B");
  if (a.shape.length < 2 || b.shape.length < 2) q.fail(`operands must be at least 2-D (${a.name}, ${b.name})`);
  if (a.dtype !== b.dtype) q.fail(`dtypes ${a.dtype} and ${b.dtype} differ (${a.name}, ${b.name})`);
  const k1 = a.shape[a.shape.length - 1];
  const k2 = b.shape[b.shape.length - 2];
  if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
    q.fail(`${shapeText(a.shape)} @ ${shapeText(b.shape)}: inner dimensions differ`);
  }
  const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2), q.opType);
  return [{ dtype: a.dtype, shape: [...batch, a.shape[a.shape.length - 2] as Dim, b.shape[b.shape.length - 1] as Dim] }];
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
