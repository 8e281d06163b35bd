/** Indexing with run-time sizes: slices whose ends are graph values, and batched GatherND. */
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { normAxis, shapeText } from "../shape.js";
import { constI64 } from "./constants.js";

/**
 * x[0:ends[i]] along each of `axes`, the ends known only when the graph runs (an i64 vector with
 * one entry per axis, e.g. a Shape slice). `dims` names the resulting sizes for shape tracking.
 */
export function sliceToEnds(x: Value, axes: readonly number[], ends: Value, dims: readonly Dim[]): Value {
  if (axes.length !== dims.length) throw new GraphBuildError(`Slice: ${axes.length} axes but ${dims.length} result sizes`);
  if (ends.dtype !== "i64" || ends.shape.length !== 1) throw new GraphBuildError(`Slice: ends must be an i64 vector, got ${ends.dtype} ${shapeText(ends.shape)}`);
  const normalized = axes.map((a) => normAxis(a, x.shape.length, "Slice"));
  const shape = [...x.shape];
  normalized.forEach((a, i) => {
    shape[a] = dims[i] as Dim;
  });
  const g = x.graph;
  const starts = constI64(g, new Array<number>(axes.length).fill(0), [axes.length], "starts");
  const inputs = [x, starts, ends, constI64(g, normalized, [normalized.length], "axes")];
  return g.addNode("Slice", inputs, {}, [{ dtype: x.dtype, shape }])[0] as Value;
}

/**
 * ONNX GatherND with `batchDims` leading batch axes: data [b..., d...], indices [b..., m..., k]
 * -> [b..., m..., d[k:]...]. With data [B, T, D] and indices [B, 1] (batchDims 1) it picks row
 * indices[b] of each batch element: [B, D].
 */
export function gatherND(data: Value, indices: Value, batchDims = 0): Value {
  if (indices.dtype !== "i64") throw new GraphBuildError(`GatherND: indices must be i64, got ${indices.dtype}`);
  const depth = indices.shape[indices.shape.length - 1];
  if (typeof depth !== "number") throw new GraphBuildError(`GatherND: the last axis of the indices must have a fixed size, got ${shapeText(indices.shape)}`);
  if (batchDims + depth > data.shape.length) {
    throw new GraphBuildError(`GatherND: ${batchDims} batch axes plus ${depth}-long indices do not fit data ${shapeText(data.shape)}`);
  }
  const shape: Dim[] = [...indices.shape.slice(0, -1), ...data.shape.slice(batchDims + depth)];
  return data.graph.addNode("GatherND", [data, indices], { batch_dims: attr.int(batchDims) }, [{ dtype: data.dtype, shape }])[0] as Value;
}
