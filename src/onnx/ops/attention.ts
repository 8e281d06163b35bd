/** Attention and rotary position embedding as fused ONNX Runtime ops (see docs/ort-ops.md §1). */
import { attr, type Attribute, type Value } from "../graph.js";

/**
 * com.microsoft.MultiHeadAttention on 3-D [B, S, H*D] query/key/value, no mask.
 * `scale` defaults to 1/sqrt(D) inside the op.
 */
export function multiHeadAttention(q: Value, k: Value, v: Value, numHeads: number, scale?: number): Value {
  const attrs: Record<string, Attribute> = { num_heads: attr.int(numHeads) };
  if (scale !== undefined) attrs["scale"] = attr.float(scale);
  return q.graph.addNode("MultiHeadAttention", [q, k, v], attrs, { domain: "com.microsoft" })[0] as Value;
}

/**
 * ONNX RotaryEmbedding (opset 23) on 3-D [B, S, H*D] input, rotating adjacent pairs
 * (x[2j], x[2j+1]) by the angles whose cos/sin are given as [B, S, D/2].
 */
export function rotaryEmbedding(x: Value, cos: Value, sin: Value, numHeads: number): Value {
  const attrs = { interleaved: attr.int(1), num_heads: attr.int(numHeads) };
  return x.graph.addNode("RotaryEmbedding", [x, cos, sin], attrs)[0] as Value;
}
