/** Ops that move data around without arithmetic: reshape, transpose, concat, split, slice, ... */
import type { DType } from "../../tensor.js";
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { ONNX_DTYPE } from "../ir.js";
import { normAxis } from "../shape.js";
import { constI64 } from "./constants.js";

function only(values: Value[]): Value {
  return values[0] as Value;
}

/** ONNX Reshape with a constant target (0 copies the input dim, -1 is inferred). */
export function reshape(x: Value, target: readonly number[]): Value {
  return only(x.graph.addNode("Reshape", [x, constI64(x.graph, target, [target.length], "shape")], {}));
}

export function transpose(x: Value, perm: readonly number[]): Value {
  return only(x.graph.addNode("Transpose", [x], { perm: attr.ints(perm) }));
}

export function concat(values: readonly Value[], axis: number): Value {
  const first = values[0];
  if (!first) throw new GraphBuildError("Concat: no inputs");
  const a = normAxis(axis, first.shape.length, "Concat");
  return only(first.graph.addNode("Concat", [...values], { axis: attr.int(a) }));
}

/** Splits `x` along `axis` into pieces of the given sizes. */
export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  const a = normAxis(axis, x.shape.length, "Split");
  return x.graph.addNode("Split", [x, constI64(x.graph, sizes, [sizes.length], "split")], { axis: attr.int(a) });
}

/** x[start:end] along one axis (a constant range). */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const a = normAxis(axis, x.shape.length, "Slice");
  const g = x.graph;
  const inputs = [x, constI64(g, [start]), constI64(g, [end]), constI64(g, [a])];
  return only(g.addNode("Slice", inputs, {}));
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.shape.length + axes.length;
  const sorted = axes.map((a) => normAxis(a, rank, "Unsqueeze")).sort((p, q) => p - q);
  return only(x.graph.addNode("Unsqueeze", [x, constI64(x.graph, sorted, [sorted.length], "axes")], {}));
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const sorted = axes.map((a) => normAxis(a, x.shape.length, "Squeeze"));
  return only(x.graph.addNode("Squeeze", [x, constI64(x.graph, sorted, [sorted.length], "axes")], {}));
}

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return only(x.graph.addNode("Cast", [x], { to: attr.int(ONNX_DTYPE[to]) }));
}

/** Gathers rows of `data` (axis 0 by default) at integer `indices`. */
export function gather(data: Value, indices: Value, axis = 0): Value {
  const a = normAxis(axis, data.shape.length, "Gather");
  return only(data.graph.addNode("Gather", [data, indices], { axis: attr.int(a) }));
}

export function identity(x: Value): Value {
  return only(x.graph.addNode("Identity", [x], {}));
}

/** The runtime shape of `x` (dims start..end) as an i64 vector (ONNX Shape, opset 15+). */
export function shapeOf(x: Value, start = 0, end = x.shape.length): Value {
  return only(x.graph.addNode("Shape", [x], { start: attr.int(start), end: attr.int(end) }));
}

/** Reshape to a runtime shape vector whose values are only known when the graph runs. */
export function reshapeTo(x: Value, shape: Value, dims: readonly Dim[]): Value {
  return only(x.graph.addNode("Reshape", [x, shape], {}, { declaredShapes: [dims] }));
}

/** Splits `x` along `axis` into pieces as long as the same axis of each of `like` (sizes known only at run time). */
export function splitLike(x: Value, axis: number, like: readonly Value[]): Value[] {
  const a = normAxis(axis, x.shape.length, "Split");
  const sizes = concat(
    like.map((v) => shapeOf(v, a, a + 1)),
    0,
  );
  const declaredShapes = like.map((v) => {
    const shape = [...x.shape];
    shape[a] = v.shape[a] as Dim;
    return shape;
  });
  return x.graph.addNode("Split", [x, sizes], { axis: attr.int(a) }, { declaredShapes });
}

/** x[start:] along `axis`, where start is the length of the same axis of `skipLike` at run time. */
export function sliceAfter(x: Value, axis: number, skipLike: Value): Value {
  const a = normAxis(axis, x.shape.length, "Slice");
  const g = x.graph;
  const start = shapeOf(skipLike, a, a + 1);
  const end = constI64(g, [Number.MAX_SAFE_INTEGER]);
  const shape = [...x.shape];
  shape[a] = `${x.shape[a]}-${skipLike.shape[a]}`;
  return only(g.addNode("Slice", [x, start, end, constI64(g, [a])], {}, { declaredShapes: [shape] }));
}
