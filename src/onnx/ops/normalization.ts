/** Normalisations over the last axis and per instance. */
import { attr, type Value } from "../graph.js";

/** ONNX LayerNormalization (opset 17) over the last axis; `scale` is mandatory, `bias` optional. */
export function layerNorm(x: Value, scale: Value, bias: Value | null, epsilon: number): Value {
  const inputs = bias ? [x, scale, bias] : [x, scale];
  const attrs = { axis: attr.int(-1), epsilon: attr.float(epsilon) };
  return x.graph.addNode("LayerNormalization", inputs, attrs)[0] as Value;
}

/** ONNX RMSNormalization (opset 23) over the last axis: x / sqrt(mean(x^2) + eps) * scale. */
export function rmsNorm(x: Value, scale: Value, epsilon: number): Value {
  const attrs = { axis: attr.int(-1), epsilon: attr.float(epsilon) };
  return x.graph.addNode("RMSNormalization", [x, scale], attrs)[0] as Value;
}

/** ONNX InstanceNormalization over the spatial axes of [N, C, ...]. */
export function instanceNorm(x: Value, scale: Value, bias: Value, epsilon: number): Value {
  return x.graph.addNode("InstanceNormalization", [x, scale, bias], { epsilon: attr.float(epsilon) })[0] as Value;
}
