/**
 * Tiny random metric models in the folder layouts transformers saves (for tests and the demo's
 * `icedit eval`): a CLIPModel folder (config.json with text_config and vision_config,
 * model.safetensors under CLIPModel's keys, the demo world's CLIP tokenizer files) and a ViTModel
 * folder (config.json, model.safetensors under the classic ViTModel keys), as
 * openai/clip-vit-base-patch32 and facebook/dino-vits16 hold them, at sizes that run in milliseconds.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ClipModel } from "../models/clip/clip-model.js";
import { clipTextHfConfig } from "../models/clip/config.js";
import type { ClipModelConfig } from "../models/clip/clip-config.js";
import type { ClipVisionConfig } from "../models/clip/vision-config.js";
import { VitModel } from "../models/vit/model.js";
import type { VitConfig } from "../models/vit/config.js";
import { writeSafetensors } from "../weights/safetensors/writer.js";
import { DEMO_CLIP } from "./make-demo-model.js";
import { randomTensors, type InitRule, type ParamShape } from "./random-weights.js";
import { demoClipTokenizerFiles } from "./tokenizers.js";

/** The demo's CLIPModel: its text tower is the demo's CLIP text encoder's size (and tokenizer), its vision tower 32 px, patch 8. */
export const DEMO_METRIC_CLIP: ClipModelConfig = {
  text: { ...DEMO_CLIP, projectionDim: 16 },
  vision: {
    imageSize: 32,
    patchSize: 8,
    numChannels: 3,
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 2,
    numHeads: 4,
    layerNormEps: 1e-5,
    hiddenAct: "quick_gelu",
  },
  projectionDim: 16,
};

/** The demo's DINO ViT: 32 px, patch 8. */
export const DEMO_METRIC_DINO: VitConfig = {
  imageSize: 32,
  patchSize: 8,
  numChannels: 3,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  layerNormEps: 1e-6,
  hiddenAct: "gelu",
  qkvBias: true,
};

const NORM = /(layer_?norm\w*|pre_layrnorm|post_layernorm|final_layer_norm)\.(weight|bias)$/;

/** LayerNorms 1 + 0.1 N (weights) and 0.05 N (biases); embeddings N(0, 0.5^2); other biases 0.1 N; weights N(0, 1/fan_in). */
function metricInitRule(p: ParamShape): InitRule {
  const norm = NORM.exec(p.path);
  if (norm) return norm[2] === "weight" ? { mean: 1, std: 0.1 } : { std: 0.05 };
  if (/(embedding|cls_token|position_embeddings)/.test(p.path) && !p.path.includes("patch_embedding")) return { std: 0.5 };
  if (p.shape.length === 1) return { std: 0.1 };
  const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
  return { std: 1 / Math.sqrt(fanIn) };
}

function clipVisionHfConfig(v: ClipVisionConfig): Record<string, unknown> {
  return {
    model_type: "clip_vision_model",
    hidden_act: v.hiddenAct,
    hidden_size: v.hiddenSize,
    image_size: v.imageSize,
    intermediate_size: v.intermediateSize,
    layer_norm_eps: v.layerNormEps,
    num_attention_heads: v.numHeads,
    num_channels: v.numChannels,
    num_hidden_layers: v.numLayers,
    patch_size: v.patchSize,
  };
}

/** The config.json transformers writes for a CLIPModel. */
export function clipModelHfConfig(c: ClipModelConfig): Record<string, unknown> {
  const { architectures: _, ...text } = clipTextHfConfig(c.text);
  return {
    architectures: ["CLIPModel"],
    model_type: "clip",
    projection_dim: c.projectionDim,
    logit_scale_init_value: 2.6592,
    text_config: { ...text, model_type: "clip_text_model" },
    vision_config: clipVisionHfConfig(c.vision),
  };
}

/** The config.json transformers writes for a ViTModel. */
export function vitHfConfig(c: VitConfig): Record<string, unknown> {
  return {
    architectures: ["ViTModel"],
    model_type: "vit",
    hidden_act: c.hiddenAct,
    hidden_size: c.hiddenSize,
    image_size: c.imageSize,
    intermediate_size: c.intermediateSize,
    layer_norm_eps: c.layerNormEps,
    num_attention_heads: c.numHeads,
    num_channels: c.numChannels,
    num_hidden_layers: c.numLayers,
    patch_size: c.patchSize,
    qkv_bias: c.qkvBias,
  };
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

export interface DemoMetricFolders {
  /** The CLIPModel folder (for --clip-model). */
  readonly clip: string;
  /** The ViTModel folder (for --dino-model). */
  readonly dino: string;
}

/** Writes dir/clip and dir/dino with seeded random weights; returns their paths. */
export async function writeDemoMetricModels(dir: string, seed = 7): Promise<DemoMetricFolders> {
  const clip = join(dir, "clip");
  const dino = join(dir, "dino");
  await mkdir(clip, { recursive: true });
  await mkdir(dino, { recursive: true });
  const clipWeights = randomTensors(new ClipModel(DEMO_METRIC_CLIP).parameters(), seed, metricInitRule);
  await writeSafetensors(join(clip, "model.safetensors"), clipWeights, { format: "pt" });
  await writeJson(join(clip, "config.json"), clipModelHfConfig(DEMO_METRIC_CLIP));
  for (const [name, text] of Object.entries(demoClipTokenizerFiles(DEMO_METRIC_CLIP.text.vocabSize))) {
    await writeFile(join(clip, name), text);
  }
  const dinoWeights = randomTensors(new VitModel(DEMO_METRIC_DINO).parameters(), seed + 1, metricInitRule);
  await writeSafetensors(join(dino, "model.safetensors"), dinoWeights, { format: "pt" });
  await writeJson(join(dino, "config.json"), vitHfConfig(DEMO_METRIC_DINO));
  return { clip, dino };
}
