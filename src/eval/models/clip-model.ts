/**
 * The CLIP model the editing metrics use (openai/clip-vit-base-patch32 or -large-patch14) ready to
 * run: CLIPModel keys checked and loaded, an image graph and a text graph, one session each.
 *   pixels [B, 3, S, S] -> image_embeds [B, P];   ids [B, T <= 77] -> text_embeds [B, P]   (not normalized)
 */
import { validateClipModelConfig, type ClipModelConfig } from "../../models/clip/clip-config.js";
import {
  buildClipImageGraph,
  buildClipTextEmbedsGraph,
  CLIP_MODEL_PARTS,
  ClipModel,
  type ClipModelPart,
} from "../../models/clip/clip-model.js";
import { clipPooledIndex } from "../../models/clip/pooling.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import type { RunnableSession } from "../../runtime/runnable-session.js";
import { tensor, type Tensor } from "../../tensor.js";
import { MissingTensorError } from "../../weights/errors.js";
import type { TensorSource } from "../../weights/source.js";
import type { ComponentOptions, ComponentSpec } from "../../components/component-spec.js";
import { openComponent } from "../../components/open-component.js";
import type { ParamHints } from "../../components/params/load-params.js";
import { checkIds, countIndexed, sizesHint } from "../../components/text/token-ids.js";
import { checkPixelBatch } from "./pixels.js";

export interface ClipModelOptions extends ComponentOptions {
  readonly config: ClipModelConfig;
}

export interface ClipImageOutput {
  /** [B, P]: visual_projection(pooler_output), not normalized */
  readonly imageEmbeds: Tensor<"f32">;
  /** [B, D]: post_layernorm of the CLS row */
  readonly pooled: Tensor<"f32">;
  /** [B, 1 + N, D]: the encoder output before post_layernorm */
  readonly lastHiddenState: Tensor<"f32">;
}

export interface ClipTextEmbeds {
  /** [B, P]: text_projection(pooler_output), not normalized */
  readonly textEmbeds: Tensor<"f32">;
  /** [B, D] */
  readonly pooled: Tensor<"f32">;
}

/** A CLIPTextModel file (FLUX's text_encoder) or a vision-only file is refused with what it is. */
function checkedView(source: TensorSource): TensorSource {
  for (const [key, what] of [
    ["vision_model.embeddings.class_embedding", "vision tower"],
    ["text_model.embeddings.token_embedding.weight", "text tower"],
  ] as const) {
    if (!source.has(key)) {
      throw new MissingTensorError(
        key,
        source.description,
        `the file has no ${what}: the metrics need a whole CLIPModel (e.g. openai/clip-vit-base-patch32's model.safetensors)`,
      );
    }
  }
  return source;
}

function clipHints(config: ClipModelConfig, source: TensorSource): ParamHints {
  const { text, vision } = config;
  const sizes = `vision: image ${vision.imageSize}, patch ${vision.patchSize}, hidden ${vision.hiddenSize}, ${vision.numLayers} layers; text: hidden ${text.hiddenSize}, vocab ${text.vocabSize}; projection ${config.projectionDim}`;
  return {
    mismatch: sizesHint("CLIP model", sizes),
    missing: (spec: ParamSpec) => {
      for (const [tower, layers] of [
        ["vision_model", vision.numLayers],
        ["text_model", text.numLayers],
      ] as const) {
        const found = countIndexed(source.names(), `${tower}.encoder.layers.`);
        if (spec.path.startsWith(`${tower}.encoder.layers.${found}.`) && found < layers) {
          return `the file's ${tower} has ${found} layers but the config asks for ${layers}: check config.json`;
        }
      }
      return "is this a CLIPModel checkpoint (vision_model.*, text_model.*, visual_projection.weight, text_projection.weight)?";
    },
  };
}

export function clipModelSpec(model: ClipModel): ComponentSpec<ClipModelPart> {
  return {
    component: "CLIP model",
    model,
    view: checkedView,
    hints: (view) => clipHints(model.config, view),
    params: (part) => model.partParameters(part),
    build: (weights, part) => (part === "vision" ? buildClipImageGraph(model, weights) : buildClipTextEmbedsGraph(model, weights)),
  };
}

export class ClipModelRunner {
  private constructor(
    readonly config: ClipModelConfig,
    private readonly vision: RunnableSession,
    private readonly text: RunnableSession,
  ) {}

  /** Checks every tensor of both towers against `config` before reading any, then loads both graphs. */
  static async open(engine: Engine, options: ClipModelOptions): Promise<ClipModelRunner> {
    validateClipModelConfig(options.config);
    const spec = clipModelSpec(new ClipModel(options.config));
    const lazy = options.lazy;
    const { sessions } = await openComponent(engine, spec, CLIP_MODEL_PARTS, options, lazy ? () => lazy : undefined);
    return new ClipModelRunner(options.config, sessions.get("vision") as RunnableSession, sessions.get("text") as RunnableSession);
  }

  /** pixels: [B, C, S, S] f32, preprocessed (S = vision image_size) -> image embeddings and the tower's outputs. */
  async embedImages(pixels: Tensor<"f32">): Promise<ClipImageOutput> {
    const { numChannels, imageSize } = this.config.vision;
    checkPixelBatch("CLIP vision tower", pixels, numChannels, imageSize);
    const { outputs } = await this.vision.run({ pixel_values: pixels });
    return {
      imageEmbeds: outputs["image_embeds"] as Tensor<"f32">,
      pooled: outputs["vision_pooler_output"] as Tensor<"f32">,
      lastHiddenState: outputs["vision_last_hidden_state"] as Tensor<"f32">,
    };
  }

  /** ids: [B, T <= 77] i64 CLIP token ids (BOS, tokens, EOS, padding) -> text embeddings, pooled at the config's EOS rule. */
  async embedTexts(ids: Tensor<"i64">): Promise<ClipTextEmbeds> {
    const { text } = this.config;
    const { batch } = checkIds("CLIP text tower", ids, text.vocabSize, text.maxPositions);
    const index = clipPooledIndex(ids.data, ids.dims, text.eosTokenId);
    const pooledIndex = tensor(
      "i64",
      [batch],
      BigInt64Array.from(index, (i) => BigInt(i)),
    );
    const { outputs } = await this.text.run({ input_ids: ids, pooled_index: pooledIndex });
    return { textEmbeds: outputs["text_embeds"] as Tensor<"f32">, pooled: outputs["text_pooler_output"] as Tensor<"f32"> };
  }

  async release(): Promise<void> {
    await Promise.all([this.vision.release(), this.text.release()]);
  }
}
