/** Shape rules of ops that move data without arithmetic: Reshape, Transpose, Concat, Split, Slice, ... */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import { addDims, normAxis, reshapeShape, shapeText } from "../shape.js";
import type { Dim, OutputSpec, Shape } from "../ir.js";

/** A shape vector input (Reshape, ConstantOfShape): its static length must equal the declared rank. */
export function checkDeclaredRank(q: ShapeQuery, shape: Shape, vectorInput: number): void {
  const length = q.input(vectorInput, "shape").shape[0];
  if (typeof length === "number" && length !== shape.length)
    q.fail(`the shape vector has ${length} entries, the declared shape ${shapeText(shape)}`);
}

/** Input 1 the target shape: a constant (0 copies, -1 infers), or computed (the caller declares the result). */
function reshape(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  q.expectDtype(q.input(1, "shape"), ["i64"], "shape");
  const target = q.constInts(1);
  if (target) return [{ dtype: x.dtype, shape: reshapeShape(x.shape, target) }];
  const [shape] = q.declared("the target shape is computed", 1) as [Shape];
  checkDeclaredRank(q, shape, 1);
  return [{ dtype: x.dtype, shape }];
}

function transpose(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const perm = q.ints("perm");
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) q.fail(`perm [${perm}] does not fit ${shapeText(x.shape)}`);
  return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p] as Dim) }];
}

function concat(q: ShapeQuery): OutputSpec[] {
  const first = q.input(0);
  const a = normAxis(q.int("axis"), first.shape.length, q.opType);
  const shape = [...first.shape];
  for (let i = 1; i < q.inputs.length; i++) {
    const v = q.input(i);
    if (v.dtype !== first.dtype || v.shape.length !== first.shape.length) {
      q.fail(`input ${v.name} ${v.dtype} ${shapeText(v.shape)} does not fit ${first.name} ${first.dtype} ${shapeText(first.shape)}`);
    }
    shape[a] = addDims(shape[a] as Dim, v.shape[a] as Dim);
  }
  return [{ dtype: first.dtype, shape }];
}

/** Input 1 the sizes: a constant (one output per size), or computed (the caller declares the outputs). */
function split(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const a = normAxis(q.int("axis"), x.shape.length, q.opType);
  const sizes = q.constInts(1);
  if (!sizes) return q.declared("the split sizes are computed").map((shape) => ({ dtype: x.dtype, shape }));
  const total = sizes.reduce((s, n) => s + n, 0);
  const dim = x.shape[a];
  if (typeof dim === "number" && dim !== total)
    q.fail(`sizes [${sizes}] sum to ${total}, but axis ${a} of ${shapeText(x.shape)} is ${dim}`);
  return sizes.map((n) => {
    const shape = [...x.shape];
    shape[a] = n;
    return { dtype: x.dtype, shape };
  });
}

/** Inputs data, starts, ends, axes (constant, steps not used): clamped ranges; else declared. */
function slice(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  if (q.optional(4)) q.fail("steps are not supported");
  const [starts, ends, axes] = [q.constInts(1), q.constInts(2), q.constInts(3)];
  if (!starts || !ends || !axes) {
    const [shape] = q.declared("the slice bounds are computed", 1) as [Shape];
    if (shape.length !== x.shape.length) q.fail(`the declared shape ${shapeText(shape)} does not have the rank of ${shapeText(x.shape)}`);
    return [{ dtype: x.dtype, shape }];
  }
  if (starts.length !== axes.length || ends.length !== axes.length) q.fail(`starts, ends and axes differ in length`);
  const shape = [...x.shape];
  const clamp = (i: number, n: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  axes.forEach((axis, i) => {
    const a = normAxis(axis, x.shape.length, q.opType);
    const [start, end, dim] = [starts[i] as number, ends[i] as number, x.shape[a]];
    shape[a] = typeof dim === "number" ? Math.max(0, clamp(end, dim) - clamp(start, dim)) : `${dim}[${start}:${end}]`;
  });
  return [{ dtype: x.dtype, shape }];
}

function unsqueeze(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const axes = q.constInts(1);
  if (!axes) q.fail("axes must be a constant");
  const rank = x.shape.length + axes.length;
  const shape: Dim[] = [...x.shape];
  for (const a of axes.map((a) => normAxis(a, rank, q.opType)).sort((p, r) => p - r)) shape.splice(a, 0, 1);
  return [{ dtype: x.dtype, shape }];
}

function squeeze(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const axes = q.constInts(1);
  if (!axes) q.fail("axes must be a constant");
  const dropped = axes.map((a) => normAxis(a, x.shape.length, q.opType));
  for (const a of dropped) if (typeof x.shape[a] === "number" && x.shape[a] !== 1) q.fail(`axis ${a} of ${shapeText(x.shape)} is not 1`);
  return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !dropped.includes(i)) }];
}

/** ONNX Shape with start/end attributes: an i64 vector of the selected dims. */
function shapeOf(q: ShapeQuery): OutputSpec[] {
  const rank = q.input(0).shape.length;
  const norm = (i: number): number => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  return [{ dtype: "i64", shape: [Math.max(0, norm(q.int("end", rank)) - norm(q.int("start", 0)))] }];
}

export const LAYOUT_OPS: readonly OpSchema[] = opSchemas({
  Reshape: reshape,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Shape: shapeOf,
});
