/** Shape rules of element-wise ops: numpy broadcasting for binary ops, same shape for unary ones. */
import type { OpSchema, ShapeQuery } from "../op-schema.js";
import { broadcast } from "../shape.js";
import type { OutputSpec } from "../ir.js";

function binary(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0, "operand A");
  const y = q.input(1, "operand B");
  if (x.dtype !== y.dtype) q.fail(`dtypes ${x.dtype} and ${y.dtype} differ (${x.name}, ${y.name})`);
  return [{ dtype: x.dtype, shape: broadcast(x.shape, y.shape, q.opType) }];
}

/** One output like input 0 (element-wise maps, normalisations, Identity). */
export function sameAsInput(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  return [{ dtype: x.dtype, shape: x.shape }];
}

const BINARY = ["Add", "Sub", "Mul", "Div", "Pow"];
const UNARY = ["Neg", "Sigmoid", "Tanh", "Exp", "Sqrt", "Cos", "Sin", "Reciprocal", "Erf", "Floor", "Identity"];

export const ELEMENTWISE_OPS: readonly OpSchema[] = [
  ...BINARY.map((opType): OpSchema => ({ domain: "", opType, outputs: binary })),
  ...UNARY.map((opType): OpSchema => ({ domain: "", opType, outputs: sameAsInput })),
];
