/**
 * The sizes of a whole CLIPModel (both towers and the shared projection size), read from its
 * Hugging Face `config.json` (transformers CLIPConfig: text_config, vision_config, projection_dim).
 */
import { clipTextConfigFromHf, type ClipTextConfig, validateClipTextConfig } from "./config.js";
import {
  CLIP_B32_VISION,
  CLIP_L14_VISION,
  clipVisionConfigFromHf,
  type ClipVisionConfig,
  validateClipVisionConfig,
} from "./vision-config.js";
import { HfConfigError, HfFields, isHfJson } from "../t5/hf-json.js";

export interface ClipModelConfig {
  readonly text: ClipTextConfig;
  readonly vision: ClipVisionConfig;
  /** The size of image_embeds and text_embeds (visual_projection / text_projection outputs). */
  readonly projectionDim: number;
}

export function validateClipModelConfig(c: ClipModelConfig): void {
  validateClipTextConfig(c.text);
  validateClipVisionConfig(c.vision);
  if (!Number.isInteger(c.projectionDim) || c.projectionDim <= 0) {
    throw new HfConfigError(`CLIP config: projection_dim must be a positive integer, got ${c.projectionDim}`);
  }
}

/** transformers' CLIPTextConfig defaults (the text tower of openai/clip-vit-base-patch32), for fields a config.json leaves out. */
const TEXT_DEFAULTS = {
  vocab_size: 49408,
  hidden_size: 512,
  intermediate_size: 2048,
  num_hidden_layers: 12,
  num_attention_heads: 8,
  max_position_embeddings: 77,
} as const;

/**
 * Reads a CLIPModel `config.json`. Absent tower fields take transformers' defaults, as
 * transformers does (it writes only the fields that differ from them in newer versions).
 */
export function clipModelConfigFromHf(json: unknown): ClipModelConfig {
  if (!isHfJson(json)) throw new HfConfigError("CLIP config.json must be a JSON object");
  const modelType = json["model_type"];
  if (modelType !== undefined && modelType !== "clip") {
    throw new HfConfigError(
      `CLIP config.json: model_type is "${String(modelType)}", expected "clip": the metrics need a whole CLIPModel (e.g. openai/clip-vit-base-patch32)`,
    );
  }
  const text = json["text_config"] ?? {};
  const vision = json["vision_config"] ?? {};
  if (!isHfJson(text) || !isHfJson(vision)) throw new HfConfigError("CLIP config.json: text_config and vision_config must be JSON objects");
  const projectionDim = new HfFields(json, "CLIP").int("projection_dim", 512);
  const config = {
    text: clipTextConfigFromHf({ ...TEXT_DEFAULTS, ...text, model_type: "clip_text_model", projection_dim: projectionDim }),
    vision: clipVisionConfigFromHf({ ...vision, model_type: "clip_vision_model" }),
    projectionDim,
  };
  validateClipModelConfig(config);
  return config;
}

/** openai/clip-vit-base-patch32: what MagicBrush's CLIP-I and CLIP-T use. */
export const CLIP_VIT_B32: ClipModelConfig = {
  text: clipTextConfigFromHf({ ...TEXT_DEFAULTS, eos_token_id: 2, bos_token_id: 0, pad_token_id: 1, projection_dim: 512 }),
  vision: CLIP_B32_VISION,
  projectionDim: 512,
};

/** openai/clip-vit-large-patch14: ICEdit's Emu Edit numbers. */
export const CLIP_VIT_L14: ClipModelConfig = {
  text: clipTextConfigFromHf({
    ...TEXT_DEFAULTS,
    hidden_size: 768,
    intermediate_size: 3072,
    num_attention_heads: 12,
    eos_token_id: 2,
    bos_token_id: 0,
    pad_token_id: 1,
    projection_dim: 768,
  }),
  vision: CLIP_L14_VISION,
  projectionDim: 768,
};
