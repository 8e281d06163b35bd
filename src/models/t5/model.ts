/**
 * The T5 v1.1 encoder (transformers T5EncoderModel / T5Stack) as one graph. Module paths are the
 * Hugging Face keys of a T5EncoderModel checkpoint (`encoder.block.3.layer.1.DenseReluDense.wi_0.weight`).
 *
 *   x = shared[ids]                                         (no sqrt(d_model) scaling)
 *   bias = relative_attention_bias[bucket].T                [1, H, T, T], block 0's table, every block
 *   per block: x += o(attn(rms(x)));  x += wo(gelu_tanh(wi_0 h) * wi_1 h), h = rms(x)
 *   out = rms_final(x)
 *
 * Attention logits are q.k with NO 1/sqrt(d_kv) scaling. The host feeds the bucket table [T, T]
 * (models/t5/buckets.ts); there is no attention mask (FLUX passes none).
 */
import { Graph, GraphBuildError, type Value } from "../../onnx/graph.js";
import { add, gelu, gather, mul, multiHeadAttentionBiased, transpose, unsqueeze } from "../../onnx/ops/index.js";
import { Embedding } from "../../nn/embedding.js";
import { Linear } from "../../nn/linear.js";
import { BuildContext, Module, type ParamBinder, type ParamSpec } from "../../nn/module.js";
import { RMSNorm } from "../../nn/norms.js";
import { isTanhGelu, validateT5Config, type T5Config } from "./config.js";

/** layer.0: RMSNorm + self-attention with the shared position bias. */
export class T5SelfAttentionLayer extends Module {
  readonly layerNorm: RMSNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  /** Only block 0 holds the relative-position table [num_buckets, H]. */
  readonly relativeAttentionBias: ParamSpec | null;

  constructor(
    path: string,
    readonly config: T5Config,
    hasRelativeBias: boolean,
  ) {
    super(path);
    const inner = config.numHeads * config.dKv;
    const attn = this.sub("SelfAttention");
    this.layerNorm = this.child(new RMSNorm(this.sub("layer_norm"), config.dModel, config.layerNormEpsilon, "weight"));
    this.q = this.child(new Linear(`${attn}.q`, config.dModel, inner, false));
    this.k = this.child(new Linear(`${attn}.k`, config.dModel, inner, false));
    this.v = this.child(new Linear(`${attn}.v`, config.dModel, inner, false));
    this.o = this.child(new Linear(`${attn}.o`, inner, config.dModel, false));
    this.relativeAttentionBias = hasRelativeBias
      ? this.param("SelfAttention.relative_attention_bias.weight", [config.relativeAttentionNumBuckets, config.numHeads])
      : null;
  }

  /** buckets: [T, T] i64 -> the position bias [1, H, T, T] from this layer's table. */
  positionBias(ctx: BuildContext, buckets: Value): Value {
    if (!this.relativeAttentionBias) throw new GraphBuildError(`${this.path} has no relative_attention_bias table (only block 0 has one)`);
    const perPair = gather(ctx.param(this.relativeAttentionBias), buckets, 0);
    return unsqueeze(transpose(perPair, [2, 0, 1]), [0]);
  }

  /** x: [B, T, d_model], bias: [1, H, T, T] -> x + o(attention(rms(x))). */
  forward(ctx: BuildContext, x: Value, bias: Value): Value {
    const h = this.layerNorm.forward(ctx, x);
    const q = this.q.forward(ctx, h);
    const k = this.k.forward(ctx, h);
    const v = this.v.forward(ctx, h);
    const attn = multiHeadAttentionBiased(q, k, v, this.config.numHeads, bias, 1.0);
    return add(x, this.o.forward(ctx, attn));
  }
}

/** layer.1: RMSNorm + gated-GELU feed-forward (wi_0 is the gate, wi_1 the linear branch). */
export class T5GatedFeedForwardLayer extends Module {
  readonly layerNorm: RMSNorm;
  readonly wi0: Linear;
  readonly wi1: Linear;
  readonly wo: Linear;

  constructor(
    path: string,
    readonly config: T5Config,
  ) {
    super(path);
    const ff = this.sub("DenseReluDense");
    this.layerNorm = this.child(new RMSNorm(this.sub("layer_norm"), config.dModel, config.layerNormEpsilon, "weight"));
    this.wi0 = this.child(new Linear(`${ff}.wi_0`, config.dModel, config.dFf, false));
    this.wi1 = this.child(new Linear(`${ff}.wi_1`, config.dModel, config.dFf, false));
    this.wo = this.child(new Linear(`${ff}.wo`, config.dFf, config.dModel, false));
  }

  /** x: [B, T, d_model] -> x + wo(gelu(wi_0 h) * wi_1 h). */
  forward(ctx: BuildContext, x: Value): Value {
    const h = this.layerNorm.forward(ctx, x);
    const gate = gelu(this.wi0.forward(ctx, h), isTanhGelu(this.config.denseActFn) ? "tanh" : "none");
    return add(x, this.wo.forward(ctx, mul(gate, this.wi1.forward(ctx, h))));
  }
}

export class T5Block extends Module {
  readonly attention: T5SelfAttentionLayer;
  readonly feedForward: T5GatedFeedForwardLayer;

  constructor(path: string, config: T5Config, index: number) {
    super(path);
    this.attention = this.child(new T5SelfAttentionLayer(this.sub("layer.0"), config, index === 0));
    this.feedForward = this.child(new T5GatedFeedForwardLayer(this.sub("layer.1"), config));
  }
}

/** The encoder stack with its embedding; parameters() lists the T5EncoderModel keys. */
export class T5EncoderStack extends Module {
  readonly shared: Embedding;
  readonly blocks: T5Block[];
  readonly finalLayerNorm: RMSNorm;

  constructor(readonly config: T5Config) {
    super("");
    validateT5Config(config);
    this.shared = this.child(new Embedding("shared", config.vocabSize, config.dModel));
    this.blocks = Array.from({ length: config.numLayers }, (_, i) => this.child(new T5Block(`encoder.block.${i}`, config, i)));
    this.finalLayerNorm = this.child(new RMSNorm("encoder.final_layer_norm", config.dModel, config.layerNormEpsilon, "weight"));
  }

  /**
   * ids: [B, T] i64, buckets: [T, T] i64 -> last_hidden_state [B, T, d_model].
   * Taps: embeddings, position_bias, block{i}_attn_out, block{i}_out.
   */
  forward(ctx: BuildContext, ids: Value, buckets: Value): Value {
    let x = ctx.tap("embeddings", this.shared.forward(ctx, ids));
    const first = this.blocks[0] as T5Block;
    const bias = ctx.tap("position_bias", first.attention.positionBias(ctx, buckets));
    this.blocks.forEach((block, i) => {
      x = ctx.tap(`block${i}_attn_out`, block.attention.forward(ctx, x, bias));
      x = ctx.tap(`block${i}_out`, block.feedForward.forward(ctx, x));
    });
    return this.finalLayerNorm.forward(ctx, x);
  }
}

export interface T5GraphOptions {
  readonly name?: string;
  /** Intermediates to expose as extra outputs (embeddings, position_bias, block0_attn_out, block1_out, ...). */
  readonly taps?: readonly string[];
}

/** Inputs input_ids [B, T] and position_bucket [T, T] (both i64); output last_hidden_state [B, T, d_model]. */
export function buildT5EncoderGraph(model: T5EncoderStack, binder: ParamBinder, options: T5GraphOptions = {}): Graph {
  const g = new Graph(options.name ?? "t5_encoder");
  const ctx = new BuildContext(g, binder, new Set(options.taps ?? []));
  const ids = g.addInput("input_ids", "i64", ["B", "T"]);
  const buckets = g.addInput("position_bucket", "i64", ["T", "T"]);
  g.addOutput(model.forward(ctx, ids, buckets), "last_hidden_state");
  for (const name of options.taps ?? []) {
    const value = ctx.taps.get(name);
    if (value) g.addOutput(value, name);
  }
  return g;
}
