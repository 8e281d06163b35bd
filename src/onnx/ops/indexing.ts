/** Indexing with run-time sizes: slices whose starts or ends are graph values, and batched GatherND. */
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { normAxis, shapeText } from "../shape.js";
import { constI64 } from "./constants.js";

/**
 * x[0:ends[i]] along each of `axes`, the ends known only when the graph runs (an i64 vector with
 * one entry per axis, e.g. a Shape slice). `dims` names the resulting sizes for shape tracking.
 */
export function sliceToEnds(x: Value, axes: readonly number[], ends: Value, dims: readonly Dim[]): Value {
  if (axes.length !== dims.length) throw new GraphBuildError(`Slice: ${axes.length} axes but ${dims.length} result sizes`);
  if (ends.dtype !== "i64" || ends.shape.length !== 1)
    throw new GraphBuildError(`Slice: ends must be an i64 vector, got ${ends.dtype} ${shapeText(ends.shape)}`);
  const normalized = axes.map((a) => normAxis(a, x.shape.length, "Slice"));
  const shape = [...x.shape];
  normalized.forEach((a, i) => {
    shape[a] = dims[i] as Dim;
  });
  const g = x.graph;
  const starts = constI64(g, new Array<number>(axes.length).fill(0), [axes.length], "starts");
  const inputs = [x, starts, ends, constI64(g, normalized, [normalized.length], "axes")];
  return g.addNode("Slice", inputs, {}, { declaredShapes: [shape] })[0] as Value;
}

/**
 * x[starts[i]:] along each of `axes`, the starts known only when the graph runs (an i64 vector with
 * one entry per axis; Slice clamps them as usual). `dims` names the resulting sizes.
 */
export function sliceFromStarts(x: Value, axes: readonly number[], starts: Value, dims: readonly Dim[]): Value {
  if (axes.length !== dims.length) throw new GraphBuildError(`Slice: ${axes.length} axes but ${dims.length} result sizes`);
  const normalized = axes.map((a) => normAxis(a, x.shape.length, "Slice"));
  const shape = [...x.shape];
  normalized.forEach((a, i) => {
    shape[a] = dims[i] as Dim;
  });
  const g = x.graph;
  const ends = constI64(g, new Array<number>(axes.length).fill(Number.MAX_SAFE_INTEGER), [axes.length], "ends");
  const inputs = [x, starts, ends, constI64(g, normalized, [normalized.length], "axes")];
  return g.addNode("Slice", inputs, {}, { declaredShapes: [shape] })[0] as Value;
}

/**
 * ONNX GatherND with `batchDims` leading batch axes: data [b..., d...], indices [b..., m..., k]
 * -> [b..., m..., d[k:]...]. With data [B, T, D] and indices [B, 1] (batchDims 1) it picks row
 * indices[b] of each batch element: [B, D].
 */
export function gatherND(data: Value, indices: Value, batchDims = 0): Value {
  return data.graph.addNode("GatherND", [data, indices], { batch_dims: attr.int(batchDims) })[0] as Value;
}
