/** Reductions over constant axes, and broadcasting to a run-time shape. */
import { attr, type Dim, type Value } from "../graph.js";
import { constI64 } from "./constants.js";

function reduce(op: "ReduceSum" | "ReduceMean", x: Value, axes: readonly number[] | null, keepDims: boolean): Value {
  const g = x.graph;
  const inputs = axes ? [x, constI64(g, axes, [axes.length], "axes")] : [x];
  return g.addNode(op, inputs, { keepdims: attr.int(keepDims ? 1 : 0) })[0] as Value;
}

/** Sum over `axes` (null: all of them). */
export function reduceSum(x: Value, axes: readonly number[] | null, keepDims = true): Value {
  return reduce("ReduceSum", x, axes, keepDims);
}

/** Mean over `axes` (null: all of them). */
export function reduceMean(x: Value, axes: readonly number[] | null, keepDims = true): Value {
  return reduce("ReduceMean", x, axes, keepDims);
}

/** x broadcast to the run-time shape `shape` (an i64 vector such as shapeOf(y)); `dims` names the result's sizes. */
export function expandTo(x: Value, shape: Value, dims: readonly Dim[]): Value {
  return x.graph.addNode("Expand", [x, shape], {}, { declaredShapes: [dims] })[0] as Value;
}
