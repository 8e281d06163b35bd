/**
 * The CLIP encoder layer that the text and the vision towers share (transformers CLIPEncoderLayer):
 *   x += out_proj(attn(layer_norm1(x)));  x += fc2(quick_gelu(fc1(layer_norm2(x))))
 * The text tower masks the attention causally; the vision tower does not mask it.
 */
import type { Value } from "../../onnx/graph.js";
import { add, mul, multiHeadAttention, multiHeadAttentionBiased, sigmoid } from "../../onnx/ops/index.js";
import { LayerNorm } from "../../nn/layer-norm.js";
import { Linear } from "../../nn/linear.js";
import { type BuildContext, Module } from "../../nn/module.js";

/** The sizes of one encoder layer (both tower configs have them; they validate them). */
export interface ClipLayerSizes {
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHeads: number;
  readonly layerNormEps: number;
}

/** x * sigmoid(1.702 x); ORT fuses it (QuickGelu). */
export function quickGelu(x: Value): Value {
  return mul(x, sigmoid(mul(x, 1.702)));
}

export class ClipAttention extends Module {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;
  readonly headDim: number;

  constructor(
    path: string,
    readonly sizes: ClipLayerSizes,
  ) {
    super(path);
    this.headDim = sizes.hiddenSize / sizes.numHeads;
    const d = sizes.hiddenSize;
    this.qProj = this.child(new Linear(this.sub("q_proj"), d, d));
    this.kProj = this.child(new Linear(this.sub("k_proj"), d, d));
    this.vProj = this.child(new Linear(this.sub("v_proj"), d, d));
    this.outProj = this.child(new Linear(this.sub("out_proj"), d, d));
  }

  /** x: [B, T, D], bias: [1, 1, T, T] or null (no mask) -> [B, T, D]; logits scaled by 1/sqrt(head_dim). */
  forward(ctx: BuildContext, x: Value, bias: Value | null): Value {
    const q = this.qProj.forward(ctx, x);
    const k = this.kProj.forward(ctx, x);
    const v = this.vProj.forward(ctx, x);
    const scale = 1 / Math.sqrt(this.headDim);
    const attn = bias
      ? multiHeadAttentionBiased(q, k, v, this.sizes.numHeads, bias, scale)
      : multiHeadAttention(q, k, v, this.sizes.numHeads, scale);
    return this.outProj.forward(ctx, attn);
  }
}

export class ClipMlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(path: string, sizes: ClipLayerSizes) {
    super(path);
    this.fc1 = this.child(new Linear(this.sub("fc1"), sizes.hiddenSize, sizes.intermediateSize));
    this.fc2 = this.child(new Linear(this.sub("fc2"), sizes.intermediateSize, sizes.hiddenSize));
  }

  /** x: [B, T, D] -> [B, T, D]. */
  forward(ctx: BuildContext, x: Value): Value {
    return this.fc2.forward(ctx, quickGelu(this.fc1.forward(ctx, x)));
  }
}

export class ClipEncoderLayer extends Module {
  readonly layerNorm1: LayerNorm;
  readonly selfAttn: ClipAttention;
  readonly layerNorm2: LayerNorm;
  readonly mlp: ClipMlp;

  constructor(path: string, sizes: ClipLayerSizes) {
    super(path);
    this.layerNorm1 = this.child(new LayerNorm(this.sub("layer_norm1"), sizes.hiddenSize, sizes.layerNormEps));
    this.selfAttn = this.child(new ClipAttention(this.sub("self_attn"), sizes));
    this.layerNorm2 = this.child(new LayerNorm(this.sub("layer_norm2"), sizes.hiddenSize, sizes.layerNormEps));
    this.mlp = this.child(new ClipMlp(this.sub("mlp"), sizes));
  }

  /** x: [B, T, D], bias: [1, 1, T, T] or null -> [B, T, D]. */
  forward(ctx: BuildContext, x: Value, bias: Value | null): Value {
    const h = add(x, this.selfAttn.forward(ctx, this.layerNorm1.forward(ctx, x), bias));
    return add(h, this.mlp.forward(ctx, this.layerNorm2.forward(ctx, h)));
  }
}
