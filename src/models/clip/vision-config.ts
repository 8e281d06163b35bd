/**
 * CLIP vision tower sizes (transformers CLIPVisionConfig): a validated config, the towers of the
 * two CLIP models the editing metrics use, and the reader of a `vision_config` object.
 */
import { HfConfigError, HfFields, isHfJson } from "../t5/hf-json.js";
import { checkVisionTowerSizes, type VisionTowerSizes } from "../vision-tower-sizes.js";

export interface ClipVisionConfig extends VisionTowerSizes {
  /** Only quick_gelu, the activation of OpenAI's CLIP, is built. */
  readonly hiddenAct: "quick_gelu";
}

function fail(message: string): never {
  throw new HfConfigError(`CLIP vision config: ${message}`);
}

/** Checks a config; returns the head size, the patches per side and the token count (CLS + patches). */
export function validateClipVisionConfig(c: ClipVisionConfig): { headDim: number; grid: number; tokens: number } {
  const sizes = checkVisionTowerSizes(c, fail);
  if (c.hiddenAct !== "quick_gelu") fail(`hidden_act "${String(c.hiddenAct)}" is not supported: OpenAI's CLIP towers use quick_gelu`);
  return sizes;
}

/** transformers' CLIPVisionConfig defaults: the tower of openai/clip-vit-base-patch32. */
export const CLIP_B32_VISION: ClipVisionConfig = {
  imageSize: 224,
  patchSize: 32,
  numChannels: 3,
  hiddenSize: 768,
  intermediateSize: 3072,
  numLayers: 12,
  numHeads: 12,
  layerNormEps: 1e-5,
  hiddenAct: "quick_gelu",
};

/** The tower of openai/clip-vit-large-patch14. */
export const CLIP_L14_VISION: ClipVisionConfig = {
  ...CLIP_B32_VISION,
  patchSize: 14,
  hiddenSize: 1024,
  intermediateSize: 4096,
  numLayers: 24,
  numHeads: 16,
};

/** Reads a CLIPConfig's `vision_config` (or a CLIPVisionConfig config.json); absent fields take transformers' defaults. */
export function clipVisionConfigFromHf(json: unknown): ClipVisionConfig {
  if (!isHfJson(json)) throw new HfConfigError("CLIP vision config must be a JSON object");
  const modelType = json["model_type"];
  if (modelType !== undefined && modelType !== "clip_vision_model") {
    throw new HfConfigError(`CLIP vision config: model_type is "${String(modelType)}", expected "clip_vision_model"`);
  }
  const f = new HfFields(json, "CLIP vision");
  const d = CLIP_B32_VISION;
  const config = {
    imageSize: f.int("image_size", d.imageSize),
    patchSize: f.int("patch_size", d.patchSize),
    numChannels: f.int("num_channels", d.numChannels),
    hiddenSize: f.int("hidden_size", d.hiddenSize),
    intermediateSize: f.int("intermediate_size", d.intermediateSize),
    numLayers: f.int("num_hidden_layers", d.numLayers),
    numHeads: f.int("num_attention_heads", d.numHeads),
    layerNormEps: f.positive("layer_norm_eps", d.layerNormEps),
    hiddenAct: f.string("hidden_act", d.hiddenAct) as "quick_gelu",
  };
  validateClipVisionConfig(config);
  return config;
}
