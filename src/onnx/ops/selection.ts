/** Ops that select and place values: top-k, scatter, a filled tensor of a run-time shape. */
import { tensor } from "../../tensor.js";
import { attr, type Attribute, type Dim, type Value } from "../graph.js";
import { normAxis } from "../shape.js";
import { constI64 } from "./constants.js";

/** ONNX TopK (largest, sorted) along `axis`: the k largest values and their i64 indices, axis length k. */
export function topK(x: Value, k: number, axis = -1): { values: Value; indices: Value } {
  const g = x.graph;
  const attrs = { axis: attr.int(axis), largest: attr.int(1), sorted: attr.int(1) };
  const [values, indices] = g.addNode("TopK", [x, constI64(g, [k])], attrs) as [Value, Value];
  return { values, indices };
}

/**
 * ONNX ScatterElements: a copy of `data` with updates[i][j] written at position indices[i][j] of
 * `axis` (data, indices and updates of one rank; indices and updates of one shape). With reduction
 * "add" each update is added to what is there, so repeated indices accumulate.
 */
export function scatterElements(data: Value, indices: Value, updates: Value, axis: number, reduction: "none" | "add" = "none"): Value {
  const a = normAxis(axis, data.shape.length, "ScatterElements");
  const attrs: Record<string, Attribute> = { axis: attr.int(a) };
  if (reduction !== "none") attrs["reduction"] = attr.string(reduction);
  return data.graph.addNode("ScatterElements", [data, indices, updates], attrs)[0] as Value;
}

/**
 * ONNX GatherElements: out[i][j] = data[indices[i][j]][j] for axis 0 (data and indices of one rank),
 * shaped like `indices`; the inverse read of ScatterElements.
 */
export function gatherElements(data: Value, indices: Value, axis: number): Value {
  const a = normAxis(axis, data.shape.length, "GatherElements");
  return data.graph.addNode("GatherElements", [data, indices], { axis: attr.int(a) })[0] as Value;
}

/**
 * An f32 tensor filled with `value`, of the run-time shape `shape` (an i64 vector, e.g. shapeOf(x));
 * `dims` names the result's sizes for shape tracking.
 */
export function filledLike(shape: Value, dims: readonly Dim[], value = 0): Value {
  const fill = attr.tensor(tensor("f32", [1], Float32Array.of(value)));
  return shape.graph.addNode("ConstantOfShape", [shape], { value: fill }, { declaredShapes: [dims] })[0] as Value;
}
