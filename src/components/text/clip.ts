/**
 * FLUX's CLIP text encoder (text_encoder) ready to run: CLIPTextModel keys (with or without
 * `text_model.`) checked and loaded, the graph built, one ONNX Runtime session.
 *   ids [B, T<=77] -> last_hidden_state, pooler_output [B, D]   (FLUX pads to 77; no attention mask)
 */
import { CLIP_L_TEXT, validateClipTextConfig, type ClipTextConfig } from "../../models/clip/config.js";
import { ClipTextTransformer, buildClipTextGraph } from "../../models/clip/model.js";
import { clipPooledIndex } from "../../models/clip/pooling.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import { tensor, type Tensor } from "../../tensor.js";
import { MissingTensorError } from "../../weights/errors.js";
import { stripPrefixView } from "../../weights/prefix-view.js";
import type { TensorSource } from "../../weights/source.js";
import type { ComponentOptions, ComponentSpec } from "../component-spec.js";
import { openOnePart } from "../open-component.js";
import { EncoderSession } from "./encoder-session.js";
import type { MismatchHint, MissingHint, ParamHints } from "../params/load-params.js";
import { checkIds, countIndexed, sizesHint } from "./token-ids.js";

export interface ClipTextOptions extends ComponentOptions {
  readonly config: ClipTextConfig;
}

const CLIP_PREFIX = "text_model.";

/** transformers 4.x keys carry `text_model.`, 5.x keys do not: both read as the un-prefixed names. */
function clipView(source: TensorSource): TensorSource {
  return source.has(`${CLIP_PREFIX}embeddings.token_embedding.weight`) ? stripPrefixView(source, CLIP_PREFIX) : source;
}

function clipMismatchHint(config: ClipTextConfig): MismatchHint {
  return (spec, actual) => {
    if (spec.path === "embeddings.token_embedding.weight" && actual[1] === 1280) {
      return `its hidden size is 1280, the OpenCLIP ViT-bigG text model (SDXL's text_encoder_2), not CLIP-L (${CLIP_L_TEXT.hiddenSize}) that FLUX uses`;
    }
    const sizes = `hidden ${config.hiddenSize}, ${config.numHeads} heads, MLP ${config.intermediateSize}, vocab ${config.vocabSize}, ${config.maxPositions} positions`;
    return sizesHint("CLIP text model", sizes)(spec, actual);
  };
}

function clipMissingHint(config: ClipTextConfig, source: TensorSource): MissingHint {
  return (spec: ParamSpec) => {
    const layers = countIndexed(source.names(), "encoder.layers.");
    if (layers > 0 && layers < config.numLayers && spec.path.startsWith(`encoder.layers.${layers}.`)) {
      return `the file has ${layers} layers but the config asks for ${config.numLayers}: check num_hidden_layers in config.json`;
    }
    return "is this a CLIP text model checkpoint (FLUX's text_encoder, CLIPTextModel keys with or without text_model.)?";
  };
}

export interface ClipTextOutput {
  /** [B, T, D] after the final LayerNorm */
  readonly lastHiddenState: Tensor<"f32">;
  /** [B, D]: lastHiddenState at pooledIndex, what FLUX feeds to vector_in */
  readonly pooled: Tensor<"f32">;
  /** The pooled position of each row (the config's rule, see models/clip/pooling.ts). */
  readonly pooledIndex: number[];
}

function clipHints(config: ClipTextConfig, view: TensorSource): ParamHints {
  return { missing: clipMissingHint(config, view), mismatch: clipMismatchHint(config) };
}

/** The text model's view of `source`; a file with only a vision tower is refused. */
function checkedClipView(source: TensorSource): TensorSource {
  const view = clipView(source);
  if (!view.has("embeddings.token_embedding.weight") && view.names().some((n) => n.startsWith("vision_model."))) {
    throw new MissingTensorError(
      `${CLIP_PREFIX}embeddings.token_embedding.weight`,
      source.description,
      "the file has a CLIP vision tower but no text model",
    );
  }
  return view;
}

/** The CLIP text model's spec (float32 only). */
export function clipSpec(model: ClipTextTransformer, config: ClipTextConfig): ComponentSpec<"clip"> {
  return {
    component: "CLIP text encoder",
    model,
    view: checkedClipView,
    hints: (view) => clipHints(config, view),
    params: () => model.parameters(),
    build: (weights, _part, taps) => buildClipTextGraph(model, weights, { taps }),
  };
}

export class ClipTextEncoder extends EncoderSession<ClipTextConfig> {
  /**
   * Checks every tensor of the weights (CLIPTextModel keys, either form) against `config` before
   * reading any, then creates the session now, or, with `options.lazy`, on the first run.
   */
  static async open(engine: Engine, options: ClipTextOptions): Promise<ClipTextEncoder> {
    validateClipTextConfig(options.config);
    const spec = clipSpec(new ClipTextTransformer(options.config), options.config);
    return new ClipTextEncoder(options.config, await openOnePart(engine, spec, "clip", options));
  }

  /** ids: [B, T <= max positions] int64 -> outputs, the requested taps and the run time. */
  async forward(ids: Tensor<"i64">): Promise<ClipTextOutput & { taps: Readonly<Record<string, Tensor>>; ms: number }> {
    const { batch } = checkIds("CLIP text model", ids, this.config.vocabSize, this.config.maxPositions);
    const pooledIndex = clipPooledIndex(ids.data, ids.dims, this.config.eosTokenId);
    const index = tensor(
      "i64",
      [batch],
      BigInt64Array.from(pooledIndex, (i) => BigInt(i)),
    );
    const result = await this.session.run({ input_ids: ids, pooled_index: index });
    const { last_hidden_state: last, pooler_output: pooled, ...taps } = result.outputs;
    return { lastHiddenState: last as Tensor<"f32">, pooled: pooled as Tensor<"f32">, pooledIndex, taps, ms: result.ms };
  }

  /** ids: [B, T] int64 (FLUX: BOS, tokens, EOS, EOS padding to 77) -> last_hidden_state, pooled output and where it pooled. */
  async encode(ids: Tensor<"i64">): Promise<ClipTextOutput> {
    const { lastHiddenState, pooled, pooledIndex } = await this.forward(ids);
    return { lastHiddenState, pooled, pooledIndex };
  }
}
