/** Shape rules shared by the op helpers: broadcasting and symbolic dimension arithmetic. */
import { GraphBuildError, type Dim, type Shape } from "./ir.js";

export function shapeText(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** numpy-style broadcasting of two shapes; a symbolic dim broadcast against 1 stays symbolic. */
export function broadcast(a: Shape, b: Shape, op: string): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (typeof x === "number" && typeof y === "number") {
      throw new GraphBuildError(`${op}: shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast`);
    } else out.push(typeof x === "number" ? x : y);
  }
  return out;
}

export function mulDims(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  return `${a}*${b}`;
}

export function addDims(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return `${a}+${b}`;
}

export function divDim(a: Dim, b: number): Dim {
  if (typeof a === "number") {
    if (a % b !== 0) throw new GraphBuildError(`dimension ${a} is not divisible by ${b}`);
    return a / b;
  }
  return b === 1 ? a : `${a}/${b}`;
}

export function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => mulDims(acc, d), 1);
}

export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new GraphBuildError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** The output shape of ONNX Reshape (0 copies the input dim, -1 is inferred). */
export function reshapeShape(input: Shape, target: readonly number[]): Dim[] {
  const out: Dim[] = target.map((t, i) => (t === 0 ? (input[i] ?? 0) : t));
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    const known = out.filter((_, i) => i !== inferred);
    const total = product(input);
    const rest = product(known);
    if (typeof total === "number" && typeof rest === "number") {
      if (rest === 0 || total % rest !== 0) {
        throw new GraphBuildError(`Reshape: cannot reshape ${shapeText(input)} to [${target.join(", ")}]`);
      }
      out[inferred] = total / rest;
    } else {
      out[inferred] = simplifyQuotient(input, known);
    }
  } else {
    const total = product(input);
    const size = product(out);
    if (typeof total === "number" && typeof size === "number" && total !== size) {
      throw new GraphBuildError(`Reshape: cannot reshape ${shapeText(input)} to [${target.join(", ")}]`);
    }
  }
  return out;
}

/** product(input) / product(known), cancelling identical factors so [B, L, D] -> [-1, D] gives B*L. */
function simplifyQuotient(input: Shape, known: readonly Dim[]): Dim {
  const numerator = [...input];
  let divisor = 1;
  for (const k of known) {
    const at = numerator.indexOf(k);
    if (at >= 0) numerator.splice(at, 1);
    else if (typeof k === "number") divisor *= k;
    else return `?${product(input)}`;
  }
  const symbols = numerator.filter((d): d is string => typeof d === "string");
  let numeric = numerator.filter((d): d is number => typeof d === "number").reduce((a, b) => a * b, 1);
  if (numeric % divisor !== 0) return `?${product(input)}`;
  numeric /= divisor;
  return product([numeric, ...symbols]);
}
