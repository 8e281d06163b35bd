/**
 * The CLIP text model (transformers CLIPTextModel: CLIPTextTransformer) as one graph. Module paths
 * are the checkpoint keys without the `text_model.` prefix (transformers 5.x writes them so, 4.x
 * with it; the loader accepts both).
 *
 *   x = token_embedding[ids] + position_embedding[0..T-1]
 *   per layer (pre-LN): x += out_proj(causal_attn(LN1(x)));  x += fc2(quick_gelu(fc1(LN2(x))))
 *   last_hidden_state = final_layer_norm(x);  pooler_output[b] = last_hidden_state[b, pooled_index[b]]
 *
 * The host computes pooled_index (models/clip/pooling.ts) and feeds it; the causal mask is a
 * constant [1, 1, P, P] bias (0 on and below the diagonal, float32 min above, as transformers adds)
 * sliced to the input length.
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { tensor } from "../../tensor.js";
import { add, concat, gatherND, mul, multiHeadAttentionBiased, shapeOf, sigmoid, sliceToEnds, unsqueeze } from "../../onnx/ops/index.js";
import { Embedding } from "../../nn/embedding.js";
import { LayerNorm } from "../../nn/layer-norm.js";
import { Linear } from "../../nn/linear.js";
import { BuildContext, Module, type ParamBinder } from "../../nn/module.js";
import { validateClipTextConfig, type ClipTextConfig } from "./config.js";

/** float32's lowest value: what transformers adds above the diagonal. */
const MASKED = -3.4028234663852886e38;

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
    readonly config: ClipTextConfig,
  ) {
    super(path);
    this.headDim = validateClipTextConfig(config).headDim;
    const d = config.hiddenSize;
    this.qProj = this.child(new Linear(this.sub("q_proj"), d, d));
    this.kProj = this.child(new Linear(this.sub("k_proj"), d, d));
    this.vProj = this.child(new Linear(this.sub("v_proj"), d, d));
    this.outProj = this.child(new Linear(this.sub("out_proj"), d, d));
  }

  /** x: [B, T, D], causal: [1, 1, T, T] -> [B, T, D]; logits scaled by 1/sqrt(head_dim). */
  forward(ctx: BuildContext, x: Value, causal: Value): Value {
    const q = this.qProj.forward(ctx, x);
    const k = this.kProj.forward(ctx, x);
    const v = this.vProj.forward(ctx, x);
    const attn = multiHeadAttentionBiased(q, k, v, this.config.numHeads, causal, 1 / Math.sqrt(this.headDim));
    return this.outProj.forward(ctx, attn);
  }
}

export class ClipMlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(path: string, config: ClipTextConfig) {
    super(path);
    this.fc1 = this.child(new Linear(this.sub("fc1"), config.hiddenSize, config.intermediateSize));
    this.fc2 = this.child(new Linear(this.sub("fc2"), config.intermediateSize, config.hiddenSize));
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

  constructor(path: string, config: ClipTextConfig) {
    super(path);
    this.layerNorm1 = this.child(new LayerNorm(this.sub("layer_norm1"), config.hiddenSize, config.layerNormEps));
    this.selfAttn = this.child(new ClipAttention(this.sub("self_attn"), config));
    this.layerNorm2 = this.child(new LayerNorm(this.sub("layer_norm2"), config.hiddenSize, config.layerNormEps));
    this.mlp = this.child(new ClipMlp(this.sub("mlp"), config));
  }

  /** x: [B, T, D] -> [B, T, D]. */
  forward(ctx: BuildContext, x: Value, causal: Value): Value {
    const h = add(x, this.selfAttn.forward(ctx, this.layerNorm1.forward(ctx, x), causal));
    return add(h, this.mlp.forward(ctx, this.layerNorm2.forward(ctx, h)));
  }
}

export interface ClipTextOutputs {
  /** [B, T, D] */
  readonly lastHiddenState: Value;
  /** [B, D] */
  readonly pooled: Value;
}

/** The text transformer; parameters() lists the keys without `text_model.`. */
export class ClipTextTransformer extends Module {
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly layers: ClipEncoderLayer[];
  readonly finalLayerNorm: LayerNorm;

  constructor(readonly config: ClipTextConfig) {
    super("");
    validateClipTextConfig(config);
    const d = config.hiddenSize;
    this.tokenEmbedding = this.child(new Embedding("embeddings.token_embedding", config.vocabSize, d));
    this.positionEmbedding = this.child(new Embedding("embeddings.position_embedding", config.maxPositions, d));
    this.layers = Array.from({ length: config.numLayers }, (_, i) => this.child(new ClipEncoderLayer(`encoder.layers.${i}`, config)));
    this.finalLayerNorm = this.child(new LayerNorm("final_layer_norm", d, config.layerNormEps));
  }

  /** The causal bias [1, 1, T, T] for the length of ids [B, T]: a constant [1, 1, P, P] sliced. */
  private causalBias(ctx: BuildContext, ids: Value): Value {
    const p = this.config.maxPositions;
    const bias = new Float32Array(p * p);
    for (let q = 0; q < p; q++) bias.fill(MASKED, q * p + q + 1, (q + 1) * p);
    const full = ctx.graph.constant(tensor("f32", [1, 1, p, p], bias), "causal_bias");
    const t = shapeOf(ids, 1, 2);
    const length = ids.shape[1] ?? "T";
    return sliceToEnds(full, [2, 3], concat([t, t], 0), [length, length]);
  }

  /**
   * ids: [B, T] i64 (T <= max positions), pooledIndex: [B] i64 -> last_hidden_state [B, T, D] and
   * pooler_output [B, D]. Taps: embeddings, layer{i}_out, encoder_out.
   */
  forward(ctx: BuildContext, ids: Value, pooledIndex: Value): ClipTextOutputs {
    const length = ids.shape[1] ?? "T";
    const positions = sliceToEnds(ctx.param(this.positionEmbedding.weight), [0], shapeOf(ids, 1, 2), [length]);
    let x = ctx.tap("embeddings", add(this.tokenEmbedding.forward(ctx, ids), positions));
    const causal = this.causalBias(ctx, ids);
    this.layers.forEach((layer, i) => {
      x = ctx.tap(`layer${i}_out`, layer.forward(ctx, x, causal));
    });
    ctx.tap("encoder_out", x);
    const lastHiddenState = this.finalLayerNorm.forward(ctx, x);
    const pooled = gatherND(lastHiddenState, unsqueeze(pooledIndex, [1]), 1);
    return { lastHiddenState, pooled };
  }
}

export interface ClipTextGraphOptions {
  readonly name?: string;
  /** Intermediates to expose as extra outputs (embeddings, layer0_out, encoder_out, ...). */
  readonly taps?: readonly string[];
}

/** Inputs input_ids [B, T] and pooled_index [B] (i64); outputs last_hidden_state [B, T, D] and pooler_output [B, D]. */
export function buildClipTextGraph(model: ClipTextTransformer, binder: ParamBinder, options: ClipTextGraphOptions = {}): Graph {
  const g = new Graph(options.name ?? "clip_text");
  const ctx = new BuildContext(g, binder, new Set(options.taps ?? []));
  const ids = g.addInput("input_ids", "i64", ["B", "T"]);
  const pooledIndex = g.addInput("pooled_index", "i64", ["B"]);
  const out = model.forward(ctx, ids, pooledIndex);
  g.addOutput(out.lastHiddenState, "last_hidden_state");
  g.addOutput(out.pooled, "pooler_output");
  for (const name of options.taps ?? []) {
    const value = ctx.taps.get(name);
    if (value) g.addOutput(value, name);
  }
  return g;
}
