/** Element-wise ops (with numpy broadcasting). A plain number operand becomes an f32 scalar. */
import { GraphBuildError, type Value } from "../graph.js";
import { scalarF32 } from "./constants.js";

type Operand = Value | number;

function binary(op: string, a: Operand, b: Operand): Value {
  const left = typeof a === "number" ? null : a;
  const right = typeof b === "number" ? null : b;
  const anchor = left ?? right;
  if (!anchor) throw new GraphBuildError(`${op}: at least one operand must be a graph value`);
  const g = anchor.graph;
  const x = left ?? scalarF32(g, a as number);
  const y = right ?? scalarF32(g, b as number);
  const [out] = g.addNode(op, [x, y], {});
  return out as Value;
}

function unary(op: string, x: Value): Value {
  const [out] = x.graph.addNode(op, [x], {});
  return out as Value;
}

export const add = (a: Operand, b: Operand): Value => binary("Add", a, b);
export const sub = (a: Operand, b: Operand): Value => binary("Sub", a, b);
export const mul = (a: Operand, b: Operand): Value => binary("Mul", a, b);
export const div = (a: Operand, b: Operand): Value => binary("Div", a, b);
export const pow = (a: Operand, b: Operand): Value => binary("Pow", a, b);

export const neg = (x: Value): Value => unary("Neg", x);
export const sigmoid = (x: Value): Value => unary("Sigmoid", x);
export const tanh = (x: Value): Value => unary("Tanh", x);
export const exp = (x: Value): Value => unary("Exp", x);
export const sqrt = (x: Value): Value => unary("Sqrt", x);
export const cos = (x: Value): Value => unary("Cos", x);
export const sin = (x: Value): Value => unary("Sin", x);
export const reciprocal = (x: Value): Value => unary("Reciprocal", x);
/** The error function (ONNX Erf; ORT's CPU provider has no float64 kernel). */
export const erf = (x: Value): Value => unary("Erf", x);
export const floor = (x: Value): Value => unary("Floor", x);

/** x * sigmoid(x); ORT fuses the pair into one kernel. */
export const silu = (x: Value): Value => mul(x, sigmoid(x));
