/** Zero padding of any tensor by pads known at build time or only at run time (the pad value is 0 of x's dtype). */
import { attr, type Dim, type Value } from "../graph.js";
import { constI64 } from "./constants.js";

/** x padded with zeros by constant `pads` in ONNX order [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]. */
export function zeroPad(x: Value, pads: readonly number[]): Value {
  const g = x.graph;
  return g.addNode("Pad", [x, constI64(g, pads, [pads.length], "pads")], { mode: attr.string("constant") })[0] as Value;
}

/** x padded with zeros by `pads`, an i64 vector [2 * rank] known only at run time; `dims` names the result's sizes. */
export function zeroPadBy(x: Value, pads: Value, dims: readonly Dim[]): Value {
  return x.graph.addNode("Pad", [x, pads], { mode: attr.string("constant") }, { declaredShapes: [dims] })[0] as Value;
}
