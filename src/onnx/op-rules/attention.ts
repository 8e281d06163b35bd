/** Shape rules of the fused attention ops: com.microsoft.MultiHeadAttention and ONNX RotaryEmbedding. */
import type { OpSchema, ShapeQuery } from "../op-schema.js";
import { shapeText } from "../shape.js";
import type { Dim, OutputSpec } from "../ir.js";

/** query, key, value [B, S, H*D] (inputs 3 and 4 unused here), optional attention_bias (input 5). */
function multiHeadAttention(q: ShapeQuery): OutputSpec[] {
  const query = q.input(0, "query");
  q.input(1, "key");
  const value = q.input(2, "value");
  const heads = q.int("num_heads");
  if (query.shape.length !== 3) q.fail(`query must be [B, S, H*D], got ${shapeText(query.shape)}`);
  const bias = q.optional(5);
  if (bias) {
    if (bias.shape.length !== 4) q.fail(`attention_bias must be [B or 1, H or 1, S, S], got ${shapeText(bias.shape)}`);
    const h = bias.shape[1];
    if (typeof h === "number" && h !== 1 && h !== heads) q.fail(`attention_bias ${shapeText(bias.shape)} has ${h} heads, the op ${heads}`);
  }
  return [{ dtype: query.dtype, shape: [query.shape[0] as Dim, query.shape[1] as Dim, value.shape[2] as Dim] }];
}

/** input [B, S, H*D], cos and sin caches [B, S, D/2]. */
function rotaryEmbedding(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  q.input(1, "cos_cache");
  q.input(2, "sin_cache");
  if (x.shape.length !== 3) q.fail(`input must be [B, S, H*D], got ${shapeText(x.shape)}`);
  return [{ dtype: x.dtype, shape: x.shape }];
}

export const ATTENTION_OPS: readonly OpSchema[] = [
  { domain: "com.microsoft", opType: "MultiHeadAttention", outputs: multiHeadAttention },
  { domain: "", opType: "RotaryEmbedding", outputs: rotaryEmbedding },
];
