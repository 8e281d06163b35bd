/** Activations that are single ONNX ops. */
import { attr, type Value } from "../graph.js";
import { normAxis } from "../shape.js";

/** GELU (opset 20); "tanh" is the tanh approximation FLUX and T5 use, "none" the exact erf form. */
export function gelu(x: Value, approximate: "tanh" | "none"): Value {
  return x.graph.addNode("Gelu", [x], { approximate: attr.string(approximate) })[0] as Value;
}

export function softmax(x: Value, axis = -1): Value {
  const a = normAxis(axis, x.shape.length, "Softmax");
  return x.graph.addNode("Softmax", [x], { axis: attr.int(a) })[0] as Value;
}
