/** Ops that move data around without arithmetic: reshape, transpose, concat, split, slice, ... */
import type { DType } from "../../tensor.js";
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { addDims, normAxis, reshapeShape, shapeText } from "../shape.js";
import { constI64 } from "./constants.js";

function only(values: Value[]): Value {
  return values[0] as Value;
}

/** ONNX Reshape with a constant target (0 copies the input dim, -1 is inferred). */
export function reshape(x: Value, target: readonly number[]): Value {
  const shape = reshapeShape(x.shape, target);
  return only(x.graph.addNode("Reshape", [x, constI64(x.graph, target, [target.length], "shape")], {}, [{ dtype: x.dtype, shape }]));
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.shape.length) throw new GraphBuildError(`Transpose: perm [${perm}] does not fit ${shapeText(x.shape)}`);
  const shape = perm.map((p) => x.shape[p] as Dim);
  return only(x.graph.addNode("Transpose", [x], { perm: attr.ints(perm) }, [{ dtype: x.dtype, shape }]));
}

export function concat(values: readonly Value[], axis: number): Value {
  const first = values[0];
  if (!first) throw new GraphBuildError("Concat: no inputs");
  const a = normAxis(axis, first.shape.length, "Concat");
  const shape = [...first.shape];
  shape[a] = values.slice(1).reduce<Dim>((acc, v) => addDims(acc, v.shape[a] as Dim), first.shape[a] as Dim);
  return only(first.graph.addNode("Concat", [...values], { axis: attr.int(a) }, [{ dtype: first.dtype, shape }]));
}

/** Splits `x` along `axis` into pieces of the given sizes. */
export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  const a = normAxis(axis, x.shape.length, "Split");
  const total = sizes.reduce((s, n) => s + n, 0);
  const dim = x.shape[a];
  if (typeof dim === "number" && dim !== total) {
    throw new GraphBuildError(`Split: sizes [${sizes}] sum to ${total}, but axis ${a} of ${shapeText(x.shape)} is ${dim}`);
  }
  const outputs = sizes.map((n) => {
    const shape = [...x.shape];
    shape[a] = n;
    return { dtype: x.dtype, shape };
  });
  return x.graph.addNode("Split", [x, constI64(x.graph, sizes, [sizes.length], "split")], { axis: attr.int(a) }, outputs);
}

/** x[start:end] along one axis (a constant range). */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const a = normAxis(axis, x.shape.length, "Slice");
  const g = x.graph;
  const shape = [...x.shape];
  const dim = x.shape[a];
  const clamp = (i: number, n: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  shape[a] = typeof dim === "number" ? Math.max(0, clamp(end, dim) - clamp(start, dim)) : `${dim}[${start}:${end}]`;
  const inputs = [x, constI64(g, [start]), constI64(g, [end]), constI64(g, [a])];
  return only(g.addNode("Slice", inputs, {}, [{ dtype: x.dtype, shape }]));
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.shape.length + axes.length;
  const sorted = axes.map((a) => normAxis(a, rank, "Unsqueeze")).sort((p, q) => p - q);
  const shape: Dim[] = [...x.shape];
  for (const a of sorted) shape.splice(a, 0, 1);
  return only(x.graph.addNode("Unsqueeze", [x, constI64(x.graph, sorted, [sorted.length], "axes")], {}, [{ dtype: x.dtype, shape }]));
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const sorted = axes.map((a) => normAxis(a, x.shape.length, "Squeeze"));
  const shape = x.shape.filter((_, i) => !sorted.includes(i));
  return only(x.graph.addNode("Squeeze", [x, constI64(x.graph, sorted, [sorted.length], "axes")], {}, [{ dtype: x.dtype, shape }]));
}

const ONNX_CAST_TO: Readonly<Record<DType, number>> = { f32: 1, u8: 2, i8: 3, i32: 6, i64: 7, bool: 9, f16: 10, f64: 11, bf16: 16 };

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return only(x.graph.addNode("Cast", [x], { to: attr.int(ONNX_CAST_TO[to]) }, [{ dtype: to, shape: x.shape }]));
}

/** Gathers rows of `data` (axis 0 by default) at integer `indices`. */
export function gather(data: Value, indices: Value, axis = 0): Value {
  const a = normAxis(axis, data.shape.length, "Gather");
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return only(data.graph.addNode("Gather", [data, indices], { axis: attr.int(a) }, [{ dtype: data.dtype, shape }]));
}

export function identity(x: Value): Value {
  return only(x.graph.addNode("Identity", [x], {}, [{ dtype: x.dtype, shape: x.shape }]));
}

/** The runtime shape of `x` (dims start..end) as an i64 vector (ONNX Shape, opset 15+). */
export function shapeOf(x: Value, start = 0, end = x.shape.length): Value {
  const rank = x.shape.length;
  const norm = (i: number): number => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  const attrs = { start: attr.int(start), end: attr.int(end) };
  return only(x.graph.addNode("Shape", [x], attrs, [{ dtype: "i64", shape: [Math.max(0, norm(end) - norm(start))] }]));
}

/** Reshape to a runtime shape vector whose values are only known when the graph runs. */
export function reshapeTo(x: Value, shape: Value, dims: readonly Dim[]): Value {
  return only(x.graph.addNode("Reshape", [x, shape], {}, [{ dtype: x.dtype, shape: dims }]));
}

/** Splits `x` along `axis` into pieces as long as the same axis of each of `like` (sizes known only at run time). */
export function splitLike(x: Value, axis: number, like: readonly Value[]): Value[] {
  const a = normAxis(axis, x.shape.length, "Split");
  const sizes = concat(like.map((v) => shapeOf(v, a, a + 1)), 0);
  const outputs = like.map((v) => {
    const shape = [...x.shape];
    shape[a] = v.shape[a] as Dim;
    return { dtype: x.dtype, shape };
  });
  return x.graph.addNode("Split", [x, sizes], { axis: attr.int(a) }, outputs);
}

/** x[start:] along `axis`, where start is the length of the same axis of `skipLike` at run time. */
export function sliceAfter(x: Value, axis: number, skipLike: Value): Value {
  const a = normAxis(axis, x.shape.length, "Slice");
  const g = x.graph;
  const start = shapeOf(skipLike, a, a + 1);
  const end = constI64(g, [Number.MAX_SAFE_INTEGER]);
  const shape = [...x.shape];
  shape[a] = `${x.shape[a]}-${skipLike.shape[a]}`;
  return only(g.addNode("Slice", [x, start, end, constI64(g, [a])], {}, [{ dtype: x.dtype, shape }]));
}
