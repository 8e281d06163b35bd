/**
 * The CLIP text model (transformers CLIPTextModel: CLIPTextTransformer) as one graph. Module paths
 * are the checkpoint keys without the `text_model.` prefix (transformers 5.x writes them so, 4.x
 * with it; the loader accepts both); inside a whole CLIPModel (clip-model.ts) the tower sits at
 * `text_model`. The encoder layers are shared with the vision tower (encoder-layer.ts).
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
import { add, concat, gatherND, shapeOf, sliceToEnds, unsqueeze } from "../../onnx/ops/index.js";
import { Embedding } from "../../nn/embedding.js";
import { LayerNorm } from "../../nn/layer-norm.js";
import { BuildContext, Module, type ParamBinder } from "../../nn/module.js";
import { validateClipTextConfig, type ClipTextConfig } from "./config.js";
import { ClipEncoderLayer } from "./encoder-layer.js";

/** float32's lowest value: what transformers adds above the diagonal. */
const MASKED = -3.4028234663852886e38;

export interface ClipTextOutputs {
  /** [B, T, D] */
  readonly lastHiddenState: Value;
  /** [B, D] */
  readonly pooled: Value;
}

/**
 * The text transformer; parameters() lists the keys under `path`: none for a CLIPTextModel file
 * (read through a view without `text_model.`), `text_model` inside a CLIPModel.
 */
export class ClipTextTransformer extends Module {
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly layers: ClipEncoderLayer[];
  readonly finalLayerNorm: LayerNorm;

  constructor(
    readonly config: ClipTextConfig,
    path = "",
  ) {
    super(path);
    validateClipTextConfig(config);
    const d = config.hiddenSize;
    this.tokenEmbedding = this.child(new Embedding(this.sub("embeddings.token_embedding"), config.vocabSize, d));
    this.positionEmbedding = this.child(new Embedding(this.sub("embeddings.position_embedding"), config.maxPositions, d));
    this.layers = Array.from({ length: config.numLayers }, (_, i) =>
      this.child(new ClipEncoderLayer(this.sub(`encoder.layers.${i}`), config)),
    );
    this.finalLayerNorm = this.child(new LayerNorm(this.sub("final_layer_norm"), d, config.layerNormEps));
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
