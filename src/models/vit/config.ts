/**
 * ViT sizes (transformers ViTConfig, as DINO's facebook/dino-vits16 uses it): a validated config,
 * the DINO ViT-S/16 preset, and the `config.json` reader.
 */
import { HfConfigError, HfFields, isHfJson } from "../t5/hf-json.js";
import { checkVisionTowerSizes, type VisionTowerSizes } from "../vision-tower-sizes.js";

export interface VitConfig extends VisionTowerSizes {
  /** Only the exact (erf) GELU is built. */
  readonly hiddenAct: "gelu";
  readonly qkvBias: boolean;
}

function fail(message: string): never {
  throw new HfConfigError(`ViT config: ${message}`);
}

/** Checks a config; returns the head size, the patches per side and the token count (CLS + patches). */
export function validateVitConfig(c: VitConfig): { headDim: number; grid: number; tokens: number } {
  const sizes = checkVisionTowerSizes(c, fail);
  if (c.hiddenAct !== "gelu") fail(`hidden_act "${String(c.hiddenAct)}" is not supported: DINO's ViT uses the exact gelu`);
  return sizes;
}

/** facebook/dino-vits16 (ViT-S/16, the DINO metric's model). */
export const DINO_VITS16: VitConfig = {
  imageSize: 224,
  patchSize: 16,
  numChannels: 3,
  hiddenSize: 384,
  intermediateSize: 1536,
  numLayers: 12,
  numHeads: 6,
  layerNormEps: 1e-6,
  hiddenAct: "gelu",
  qkvBias: true,
};

/** transformers' ViTConfig defaults, for fields a config.json leaves out. */
const DEFAULTS = {
  image_size: 224,
  patch_size: 16,
  num_channels: 3,
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  layer_norm_eps: 1e-12,
  hidden_act: "gelu",
  qkv_bias: true,
} as const;

/** Reads a ViTConfig `config.json` (model_type "vit"). */
export function vitConfigFromHf(json: unknown): VitConfig {
  if (!isHfJson(json)) throw new HfConfigError("ViT config.json must be a JSON object");
  const modelType = json["model_type"];
  if (modelType !== undefined && modelType !== "vit") {
    throw new HfConfigError(`ViT config.json: model_type is "${String(modelType)}", expected "vit": is this facebook/dino-vits16?`);
  }
  const f = new HfFields(json, "ViT");
  const qkvBias = json["qkv_bias"] ?? DEFAULTS.qkv_bias;
  if (typeof qkvBias !== "boolean")
    throw new HfConfigError(`ViT config.json: qkv_bias must be true or false, got ${JSON.stringify(qkvBias)}`);
  const config = {
    imageSize: f.int("image_size", DEFAULTS.image_size),
    patchSize: f.int("patch_size", DEFAULTS.patch_size),
    numChannels: f.int("num_channels", DEFAULTS.num_channels),
    hiddenSize: f.int("hidden_size", DEFAULTS.hidden_size),
    intermediateSize: f.int("intermediate_size", DEFAULTS.intermediate_size),
    numLayers: f.int("num_hidden_layers", DEFAULTS.num_hidden_layers),
    numHeads: f.int("num_attention_heads", DEFAULTS.num_attention_heads),
    layerNormEps: f.positive("layer_norm_eps", DEFAULTS.layer_norm_eps),
    hiddenAct: f.string("hidden_act", DEFAULTS.hidden_act) as "gelu",
    qkvBias,
  };
  validateVitConfig(config);
  return config;
}
