/**
 * A whole CLIPModel (transformers): the vision and text towers and their projections into the
 * shared embedding space, as two graphs (images and texts are embedded apart). Module paths are
 * the checkpoint keys: vision_model.*, text_model.*, visual_projection.weight, text_projection.weight.
 *
 *   image_embeds = visual_projection(vision pooler_output)      (no bias, not normalized)
 *   text_embeds  = text_projection(text pooler_output)           (no bias, not normalized)
 */
import { Graph } from "../../onnx/graph.js";
import { Linear } from "../../nn/linear.js";
import { BuildContext, Module, type ParamBinder, type ParamSpec } from "../../nn/module.js";
import { validateClipModelConfig, type ClipModelConfig } from "./clip-config.js";
import { ClipTextTransformer } from "./model.js";
import { ClipVisionTransformer } from "./vision.js";

export const CLIP_MODEL_PARTS = ["vision", "text"] as const;
export type ClipModelPart = (typeof CLIP_MODEL_PARTS)[number];

export class ClipModel extends Module {
  readonly visionModel: ClipVisionTransformer;
  readonly textModel: ClipTextTransformer;
  readonly visualProjection: Linear;
  readonly textProjection: Linear;

  constructor(readonly config: ClipModelConfig) {
    super("");
    validateClipModelConfig(config);
    this.visionModel = this.child(new ClipVisionTransformer(config.vision, "vision_model"));
    this.textModel = this.child(new ClipTextTransformer(config.text, "text_model"));
    this.visualProjection = this.child(new Linear("visual_projection", config.vision.hiddenSize, config.projectionDim, false));
    this.textProjection = this.child(new Linear("text_projection", config.text.hiddenSize, config.projectionDim, false));
  }

  /** The parameters one part reads. */
  partParameters(part: ClipModelPart): ParamSpec[] {
    return part === "vision"
      ? [...this.visionModel.parameters(), ...this.visualProjection.parameters()]
      : [...this.textModel.parameters(), ...this.textProjection.parameters()];
  }
}

/**
 * Input pixel_values [B, C, S, S] f32 (normalized, S = image_size); outputs image_embeds [B, P],
 * vision_pooler_output [B, D], vision_last_hidden_state [B, 1 + N, D].
 */
export function buildClipImageGraph(model: ClipModel, binder: ParamBinder): Graph {
  const g = new Graph("clip_image");
  const ctx = new BuildContext(g, binder);
  const { vision } = model.config;
  const pixels = g.addInput("pixel_values", "f32", ["B", vision.numChannels, vision.imageSize, vision.imageSize]);
  const out = model.visionModel.forward(ctx, pixels);
  g.addOutput(model.visualProjection.forward(ctx, out.pooled), "image_embeds");
  g.addOutput(out.pooled, "vision_pooler_output");
  g.addOutput(out.lastHiddenState, "vision_last_hidden_state");
  return g;
}

/**
 * Inputs input_ids [B, T] and pooled_index [B] (i64, models/clip/pooling.ts); outputs text_embeds
 * [B, P] and text_pooler_output [B, D].
 */
export function buildClipTextEmbedsGraph(model: ClipModel, binder: ParamBinder): Graph {
  const g = new Graph("clip_text_embeds");
  const ctx = new BuildContext(g, binder);
  const ids = g.addInput("input_ids", "i64", ["B", "T"]);
  const pooledIndex = g.addInput("pooled_index", "i64", ["B"]);
  const out = model.textModel.forward(ctx, ids, pooledIndex);
  g.addOutput(model.textProjection.forward(ctx, out.pooled), "text_embeds");
  g.addOutput(out.pooled, "text_pooler_output");
  return g;
}
