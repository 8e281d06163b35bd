/**
 * What vision transformers do between the patch convolution and the encoder: the feature map
 * flattened to a token sequence, and a learned token (CLS) put in front of every sequence.
 */
import type { Value } from "../onnx/graph.js";
import { concat, constI64, expandTo, reshape, shapeOf, transpose } from "../onnx/ops/index.js";

/** x: [B, D, gh, gw] -> [B, gh*gw, D] (row-major patch order, as torch's flatten(2).transpose(1, 2)). */
export function patchesToTokens(x: Value, dim: number): Value {
  return transpose(reshape(x, [0, dim, -1]), [0, 2, 1]);
}

/** tokens: [B, N, D], token: D values in any shape -> [B, 1 + N, D] with the token first in every row. */
export function prependToken(tokens: Value, token: Value, dim: number): Value {
  const row = reshape(token, [1, 1, dim]);
  const target = concat([shapeOf(tokens, 0, 1), constI64(tokens.graph, [1, dim])], 0);
  const batch = tokens.shape[0] ?? "B";
  return concat([expandTo(row, target, [batch, 1, dim]), tokens], 1);
}
