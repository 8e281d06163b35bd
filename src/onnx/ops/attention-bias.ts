/**
 * com.microsoft.MultiHeadAttention with an additive attention bias (input 5, "attention_bias"):
 * softmax(scale * Q K^T + bias) V per head. Measured on the CPU provider: the bias may be
 * [B or 1, H or 1, S, S] (broadcast over batch and heads), and scale 1.0 gives unscaled logits (T5).
 */
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { shapeText } from "../shape.js";

export function multiHeadAttentionBiased(q: Value, k: Value, v: Value, numHeads: number, attentionBias: Value, scale: number): Value {
  if (q.shape.length !== 3) throw new GraphBuildError(`MultiHeadAttention: query must be [B, S, H*D], got ${shapeText(q.shape)}`);
  if (attentionBias.shape.length !== 4) {
    throw new GraphBuildError(`MultiHeadAttention: attention_bias must be [B or 1, H or 1, S, S], got ${shapeText(attentionBias.shape)}`);
  }
  const heads = attentionBias.shape[1];
  if (typeof heads === "number" && heads !== 1 && heads !== numHeads) {
    throw new GraphBuildError(`MultiHeadAttention: attention_bias ${shapeText(attentionBias.shape)} has ${heads} heads, the op ${numHeads}`);
  }
  const attrs = { num_heads: attr.int(numHeads), scale: attr.float(scale) };
  const shape: Dim[] = [q.shape[0] as Dim, q.shape[1] as Dim, v.shape[2] as Dim];
  const inputs = [q, k, v, null, null, attentionBias];
  return q.graph.addNode("MultiHeadAttention", inputs, attrs, [{ dtype: q.dtype, shape }], "com.microsoft")[0] as Value;
}
