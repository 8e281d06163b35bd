/**
 * com.microsoft.MultiHeadAttention with an additive attention bias (input 5, "attention_bias"):
 * softmax(scale * Q K^T + bias) V per head. Measured on the CPU provider: the bias may be
 * [B or 1, H or 1, S, S] (broadcast over batch and heads), and scale 1.0 gives unscaled logits (T5).
 */
import { attr, type Value } from "../graph.js";

export function multiHeadAttentionBiased(q: Value, k: Value, v: Value, numHeads: number, attentionBias: Value, scale: number): Value {
  const attrs = { num_heads: attr.int(numHeads), scale: attr.float(scale) };
  const inputs = [q, k, v, null, null, attentionBias];
  return q.graph.addNode("MultiHeadAttention", inputs, attrs, { domain: "com.microsoft" })[0] as Value;
}
