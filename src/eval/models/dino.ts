/**
 * The DINO ViT the editing metrics use (facebook/dino-vits16, a ViTModel) ready to run: keys checked
 * and loaded (classic or newer transformers names, a ViTForImageClassification's `vit.` prefix
 * read through), one graph, one session.
 *   pixels [B, 3, S, S] -> cls [B, D] (the DINO feature), last_hidden_state [B, 1 + N, D]
 */
import { validateVitConfig, type VitConfig } from "../../models/vit/config.js";
import { buildVitGraph, VitModel } from "../../models/vit/model.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import type { RunnableSession } from "../../runtime/runnable-session.js";
import type { Tensor } from "../../tensor.js";
import { stripPrefixView } from "../../weights/prefix-view.js";
import { classicVitView } from "../../weights/layouts/vit-view.js";
import type { TensorSource } from "../../weights/source.js";
import type { ComponentOptions, ComponentSpec } from "../../components/component-spec.js";
import { openOnePart } from "../../components/open-component.js";
import type { ParamHints } from "../../components/params/load-params.js";
import { countIndexed, sizesHint } from "../../components/text/token-ids.js";
import { checkPixelBatch } from "./pixels.js";

export interface DinoOptions extends ComponentOptions {
  readonly config: VitConfig;
}

export interface DinoOutput {
  /** [B, D]: the CLS row of last_hidden_state, the DINO feature */
  readonly cls: Tensor<"f32">;
  /** [B, 1 + N, D] after the final layernorm */
  readonly lastHiddenState: Tensor<"f32">;
}

const CLASSIFIER_PREFIX = "vit.";

/** The file under the classic ViTModel names (newer transformers' layer names and a classifier's `vit.` read through). */
function vitView(source: TensorSource): TensorSource {
  const model = source.has(`${CLASSIFIER_PREFIX}embeddings.cls_token`) ? stripPrefixView(source, CLASSIFIER_PREFIX) : source;
  return classicVitView(model);
}

function vitHints(config: VitConfig, view: TensorSource): ParamHints {
  const sizes = `image ${config.imageSize}, patch ${config.patchSize}, hidden ${config.hiddenSize}, ${config.numHeads} heads, MLP ${config.intermediateSize}`;
  return {
    mismatch: sizesHint("ViT", sizes),
    missing: (spec: ParamSpec) => {
      const layers = countIndexed(view.names(), "encoder.layer.");
      if (layers > 0 && layers < config.numLayers && spec.path.startsWith(`encoder.layer.${layers}.`)) {
        return `the file has ${layers} layers but the config asks for ${config.numLayers}: check num_hidden_layers in config.json`;
      }
      return "is this a ViTModel checkpoint (facebook/dino-vits16: embeddings.cls_token, encoder.layer.N.attention.attention.query.weight, ...)?";
    },
  };
}

export function dinoSpec(model: VitModel): ComponentSpec<"vit"> {
  return {
    component: "DINO ViT",
    model,
    view: vitView,
    hints: (view) => vitHints(model.config, view),
    params: () => model.parameters(),
    build: (weights) => buildVitGraph(model, weights),
  };
}

export class DinoVit {
  private constructor(
    readonly config: VitConfig,
    private readonly session: RunnableSession,
  ) {}

  /** Checks every tensor against `config` before reading any, then loads the graph. */
  static async open(engine: Engine, options: DinoOptions): Promise<DinoVit> {
    validateVitConfig(options.config);
    return new DinoVit(options.config, await openOnePart(engine, dinoSpec(new VitModel(options.config)), "vit", options));
  }

  /** pixels: [B, C, S, S] f32, preprocessed (S = image_size) -> CLS features and last_hidden_state. */
  async features(pixels: Tensor<"f32">): Promise<DinoOutput> {
    checkPixelBatch("DINO ViT", pixels, this.config.numChannels, this.config.imageSize);
    const { outputs } = await this.session.run({ pixel_values: pixels });
    return { cls: outputs["cls"] as Tensor<"f32">, lastHiddenState: outputs["last_hidden_state"] as Tensor<"f32"> };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
