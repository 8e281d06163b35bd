/**
 * Gradient rules of the fused attention ops: com.microsoft.MultiHeadAttention (decomposed into
 * MatMul and Softmax for the backward) and ONNX RotaryEmbedding (a rotation, so its transpose is
 * the rotation by the opposite angle).
 */
import type { Value } from "../../onnx/graph.js";
import { matmul, mul, neg, reduceSum, reshape, softmax, sub, transpose } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { constantLike } from "../values.js";
import { swapLastTwo } from "./linear.js";

/** x: [B, S, H*D] -> [B, H, S, D]. */
function splitHeads(x: Value, heads: number, headDim: number): Value {
  return transpose(reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
}

/** x: [B, H, S, D] -> [B, S, H*D]. */
function mergeHeads(x: Value, heads: number, headDim: number): Value {
  return reshape(transpose(x, [0, 2, 1, 3]), [0, 0, heads * headDim]);
}

export interface AttentionGradients {
  readonly dq: Value | null;
  readonly dk: Value | null;
  readonly dv: Value | null;
}

export interface AttentionShape {
  readonly heads: number;
  /** Head size of query and key. */
  readonly qkHeadDim: number;
  /** Head size of value (and of the output). */
  readonly vHeadDim: number;
  readonly scale: number;
}

/**
 * The backward of O = softmax(scale Q K^T) V per head, from the forward inputs and dO.
 * q: [B, S, H*Dqk], k: [B, Skv, H*Dqk], v: [B, Skv, H*Dv], dOut: [B, S, H*Dv] -> dq, dk, dv
 * shaped like q, k, v (null where `wants` says no).
 *
 * P = softmax(scale Q K^T) is recomputed ([B, H, S, Skv]); dV = P^T dO, dP = dO V^T,
 * dS = P * (dP - rowsum(dP * P)) (the softmax Jacobian), dQ = scale dS K, dK = dS^T (scale Q).
 *
 * Memory: nothing of the forward is kept, but P, dP and dS are each [B, H, S, Skv]. For FLUX.1
 * (24 heads, joint sequence 512 text + 2048 image tokens = 2560 for a 512x1024 diptych) one of them
 * is 24 * 2560 * 2560 * 4 bytes = 600 MiB per batch element and per block in float32, so the
 * backward of one block's attention holds about 1.8 GiB per batch element at its peak (P, dP and
 * dS live at once), where the fused forward never materialises P.
 */
export function attentionBackward(
  q: Value,
  k: Value,
  v: Value,
  dOut: Value,
  shape: AttentionShape,
  wants: { readonly q: boolean; readonly k: boolean; readonly v: boolean },
): AttentionGradients {
  const { heads, qkHeadDim, vHeadDim } = shape;
  const scale = constantLike(q, shape.scale);
  const qs = mul(splitHeads(q, heads, qkHeadDim), scale);
  const kh = splitHeads(k, heads, qkHeadDim);
  const dO = splitHeads(dOut, heads, vHeadDim);
  const p = softmax(matmul(qs, swapLastTwo(kh)), -1);
  const dv = wants.v ? mergeHeads(matmul(swapLastTwo(p), dO), heads, vHeadDim) : null;
  if (!wants.q && !wants.k) return { dq: null, dk: null, dv };
  const dp = matmul(dO, swapLastTwo(splitHeads(v, heads, vHeadDim)));
  const ds = mul(p, sub(dp, reduceSum(mul(dp, p), [-1], true)));
  const dq = wants.q ? mergeHeads(mul(matmul(ds, kh), scale), heads, qkHeadDim) : null;
  const dk = wants.k ? mergeHeads(matmul(swapLastTwo(ds), qs), heads, qkHeadDim) : null;
  return { dq, dk, dv };
}

/** The head size of a [B, S, H*D] input, which must be static and divisible by the heads. */
function headDimOf(q: GradientQuery, x: Value, heads: number): number {
  const hidden = x.shape[2];
  if (x.shape.length !== 3 || typeof hidden !== "number" || hidden % heads !== 0) {
    q.fail(`${x.name} must be [B, S, H*D] with a fixed H*D divisible by ${heads} heads, got [${x.shape}]`);
  }
  return hidden / heads;
}

/**
 * MultiHeadAttention as icedit uses it: 3-D query, key and value [B, S, H*D], num_heads, an
 * optional scale (default 1/sqrt(D)), no bias, masks, attention bias or past state, one output.
 */
function multiHeadAttentionGradient(q: GradientQuery): (Value | null)[] {
  const extra = q.node.inputs.findIndex((v, i) => i >= 3 && v !== null);
  if (extra >= 0) q.fail(`input ${extra} (bias, masks, attention bias or past state) is not supported; only query, key, value`);
  if (q.int("unidirectional", 0) !== 0) q.fail("unidirectional (causal) attention is not supported");
  if (q.node.outputs.slice(1).some((_, i) => q.gradOrNull(i + 1) !== null)) q.fail("only the attention output can carry a gradient");
  const heads = q.int("num_heads", 0);
  if (heads < 1) q.fail(`num_heads must be a positive integer, got ${heads}`);
  const [query, key, value] = [q.input(0), q.input(1), q.input(2)];
  const qkHeadDim = headDimOf(q, query, heads);
  if (headDimOf(q, key, heads) !== qkHeadDim) q.fail(`key ${key.name} [${key.shape}] does not fit query [${query.shape}]`);
  const vHeadDim = headDimOf(q, value, heads);
  // ONNX Runtime reads an absent or zero scale as 1/sqrt(D).
  const scale = q.float("scale", 0) || 1 / Math.sqrt(qkHeadDim);
  const wants = { q: q.wanted(0), k: q.wanted(1), v: q.wanted(2) };
  const g = attentionBackward(query, key, value, q.grad(), { heads, qkHeadDim, vHeadDim, scale }, wants);
  return [g.dq, g.dk, g.dv];
}

/**
 * RotaryEmbedding: each pair of x is rotated by an angle whose cos and sin are given, an
 * orthogonal map, so dx = R^T dy = the same op on dy with -sin (any pairing, partial rotary dim
 * and position ids alike: the op and its attributes are reused). The caches are host-computed
 * tables and get no gradient.
 */
function rotaryEmbeddingGradient(q: GradientQuery): (Value | null)[] {
  if (q.wanted(1) || q.wanted(2)) q.fail("the cos and sin caches get no gradient: compute them outside the differentiated graph");
  if (!q.wanted(0)) return [null, null, null, null];
  const [cos, sin, positions] = [q.input(1), q.input(2), q.optional(3)];
  const dy = q.grad();
  const inputs = positions ? [dy, cos, neg(sin), positions] : [dy, cos, neg(sin)];
  return [dy.graph.addNode("RotaryEmbedding", inputs, q.node.attributes)[0] as Value, null, null, null];
}

export const ATTENTION_GRADIENTS = [
  ...gradientEntries({ MultiHeadAttention: multiHeadAttentionGradient }, "com.microsoft"),
  ...gradientEntries({ RotaryEmbedding: rotaryEmbeddingGradient }),
];
