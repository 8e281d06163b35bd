/**
 * ViTModel without its pooler (transformers; DINO's facebook/dino-vits16) as one graph. Module
 * paths are the checkpoint keys.
 *
 *   x = [cls_token; patch_embeddings.projection(pixels) as tokens] + position_embeddings   (conv with bias)
 *   per layer (pre-LN, no mask): x += attention(layernorm_before(x));  x += output(gelu(intermediate(layernorm_after(x))))
 *   last_hidden_state = layernorm(x);  the DINO feature is its CLS row
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { add, gelu, multiHeadAttention, slice, squeeze } from "../../onnx/ops/index.js";
import { Conv2d } from "../../nn/conv.js";
import { LayerNorm } from "../../nn/layer-norm.js";
import { Linear } from "../../nn/linear.js";
import { BuildContext, Module, type ParamBinder, type ParamSpec } from "../../nn/module.js";
import { patchesToTokens, prependToken } from "../../nn/patch-tokens.js";
import { validateVitConfig, type VitConfig } from "./config.js";

export class VitEmbeddings extends Module {
  readonly clsToken: ParamSpec;
  readonly projection: Conv2d;
  readonly positionEmbeddings: ParamSpec;

  constructor(
    path: string,
    readonly config: VitConfig,
  ) {
    super(path);
    const { tokens } = validateVitConfig(config);
    const d = config.hiddenSize;
    this.clsToken = this.param("cls_token", [1, 1, d]);
    const p = config.patchSize;
    this.projection = this.child(new Conv2d(this.sub("patch_embeddings.projection"), config.numChannels, d, p, { stride: p }));
    this.positionEmbeddings = this.param("position_embeddings", [1, tokens, d]);
  }

  /** pixels: [B, C, S, S] -> [B, 1 + (S/p)^2, D]. */
  forward(ctx: BuildContext, pixels: Value): Value {
    const d = this.config.hiddenSize;
    const tokens = patchesToTokens(this.projection.forward(ctx, pixels), d);
    return add(prependToken(tokens, ctx.param(this.clsToken), d), ctx.param(this.positionEmbeddings));
  }
}

export class VitLayer extends Module {
  readonly layernormBefore: LayerNorm;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly attentionOutput: Linear;
  readonly layernormAfter: LayerNorm;
  readonly intermediate: Linear;
  readonly output: Linear;

  constructor(
    path: string,
    readonly config: VitConfig,
  ) {
    super(path);
    const { hiddenSize: d, intermediateSize: i, layerNormEps: eps, qkvBias } = config;
    this.layernormBefore = this.child(new LayerNorm(this.sub("layernorm_before"), d, eps));
    this.query = this.child(new Linear(this.sub("attention.attention.query"), d, d, qkvBias));
    this.key = this.child(new Linear(this.sub("attention.attention.key"), d, d, qkvBias));
    this.value = this.child(new Linear(this.sub("attention.attention.value"), d, d, qkvBias));
    this.attentionOutput = this.child(new Linear(this.sub("attention.output.dense"), d, d));
    this.layernormAfter = this.child(new LayerNorm(this.sub("layernorm_after"), d, eps));
    this.intermediate = this.child(new Linear(this.sub("intermediate.dense"), d, i));
    this.output = this.child(new Linear(this.sub("output.dense"), i, d));
  }

  /** x: [B, T, D] -> [B, T, D]; attention logits scaled by 1/sqrt(head_dim). */
  forward(ctx: BuildContext, x: Value): Value {
    const h = this.layernormBefore.forward(ctx, x);
    const q = this.query.forward(ctx, h);
    const k = this.key.forward(ctx, h);
    const v = this.value.forward(ctx, h);
    const heads = this.config.numHeads;
    const attn = multiHeadAttention(q, k, v, heads, 1 / Math.sqrt(this.config.hiddenSize / heads));
    const y = add(x, this.attentionOutput.forward(ctx, attn));
    const mlp = this.output.forward(ctx, gelu(this.intermediate.forward(ctx, this.layernormAfter.forward(ctx, y)), "none"));
    return add(y, mlp);
  }
}

export class VitModel extends Module {
  readonly embeddings: VitEmbeddings;
  readonly layers: VitLayer[];
  readonly layernorm: LayerNorm;

  constructor(
    readonly config: VitConfig,
    path = "",
  ) {
    super(path);
    validateVitConfig(config);
    this.embeddings = this.child(new VitEmbeddings(this.sub("embeddings"), config));
    this.layers = Array.from({ length: config.numLayers }, (_, i) => this.child(new VitLayer(this.sub(`encoder.layer.${i}`), config)));
    this.layernorm = this.child(new LayerNorm(this.sub("layernorm"), config.hiddenSize, config.layerNormEps));
  }

  /** pixels: [B, C, S, S] (S = image_size, normalized) -> last_hidden_state [B, 1 + N, D]. */
  forward(ctx: BuildContext, pixels: Value): Value {
    let x = this.embeddings.forward(ctx, pixels);
    for (const layer of this.layers) x = layer.forward(ctx, x);
    return this.layernorm.forward(ctx, x);
  }
}

/** Input pixel_values [B, C, S, S] f32; outputs cls [B, D] and last_hidden_state [B, 1 + N, D]. */
export function buildVitGraph(model: VitModel, binder: ParamBinder): Graph {
  const g = new Graph("vit");
  const ctx = new BuildContext(g, binder);
  const { numChannels: c, imageSize: s } = model.config;
  const pixels = g.addInput("pixel_values", "f32", ["B", c, s, s]);
  const last = model.forward(ctx, pixels);
  g.addOutput(squeeze(slice(last, 1, 0, 1), [1]), "cls");
  g.addOutput(last, "last_hidden_state");
  return g;
}
