/**
 * CLIP text model sizes (FLUX's text_encoder): a validated config, presets, and the Hugging Face
 * `config.json` reader and writer (transformers CLIPTextConfig, as saved with a CLIPTextModel).
 */
import { HfConfigError, HfFields, isHfJson, type HfConfigWriteOptions, type HfJson } from "../t5/hf-json.js";

export interface ClipTextConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** Position-embedding rows: the longest input (77 for every CLIP text tower). */
  readonly maxPositions: number;
  readonly layerNormEps: number;
  /** Only quick_gelu (x * sigmoid(1.702 x)), the activation of OpenAI's CLIP, is built. */
  readonly hiddenAct: "quick_gelu";
  /**
   * Chooses the pooling rule: 2 (the legacy value in openai/clip-vit-large-patch14 and FLUX's
   * config) pools at argmax(ids); any other value at the first occurrence of that id.
   */
  readonly eosTokenId: number;
  readonly bosTokenId: number;
  readonly padTokenId: number;
  /** Kept for config.json; CLIPTextModel has no projection. */
  readonly projectionDim: number;
}

/** The eos_token_id that selects transformers' legacy argmax pooling. */
export const LEGACY_EOS_TOKEN_ID = 2;

function fail(message: string): never {
  throw new HfConfigError(`CLIP text config: ${message}`);
}

/** Checks a config; returns the head size. */
export function validateClipTextConfig(c: ClipTextConfig): { headDim: number } {
  for (const key of ["vocabSize", "hiddenSize", "intermediateSize", "numLayers", "numHeads", "maxPositions", "projectionDim"] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) fail(`${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.hiddenSize % c.numHeads !== 0) fail(`hidden_size ${c.hiddenSize} is not divisible by num_attention_heads ${c.numHeads}`);
  if (!(c.layerNormEps > 0)) fail(`layer_norm_eps must be positive, got ${c.layerNormEps}`);
  if (c.hiddenAct !== "quick_gelu")
    fail(`hidden_act "${String(c.hiddenAct)}" is not supported: FLUX's CLIP text model (openai/clip-vit-large-patch14) uses quick_gelu`);
  for (const key of ["eosTokenId", "bosTokenId", "padTokenId"] as const) {
    if (!Number.isInteger(c[key])) fail(`${key} must be an integer, got ${c[key]}`);
  }
  return { headDim: c.hiddenSize / c.numHeads };
}

/** The text tower of openai/clip-vit-large-patch14, as in FLUX.1's text_encoder/config.json (123 M parameters). */
export const CLIP_L_TEXT: ClipTextConfig = {
  vocabSize: 49408,
  hiddenSize: 768,
  intermediateSize: 3072,
  numLayers: 12,
  numHeads: 12,
  maxPositions: 77,
  layerNormEps: 1e-5,
  hiddenAct: "quick_gelu",
  eosTokenId: LEGACY_EOS_TOKEN_ID,
  bosTokenId: 0,
  padTokenId: 1,
  projectionDim: 768,
};

/** The same architecture at the golden C1 sizes (demo models and tests). */
export const CLIP_TEXT_TINY: ClipTextConfig = {
  ...CLIP_L_TEXT,
  vocabSize: 1000,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
  bosTokenId: 998,
  projectionDim: 64,
};

export const CLIP_TEXT_PRESETS: Readonly<Record<string, ClipTextConfig>> = {
  "clip-vit-large-patch14": CLIP_L_TEXT,
  "clip-text-tiny": CLIP_TEXT_TINY,
};

/**
 * Reads a transformers CLIPTextConfig `config.json` (FLUX's text_encoder/config.json), or the
 * text_config of a full CLIPConfig. Sizes are required; the rest takes transformers' defaults
 * (whose eos_token_id is 49407, i.e. first-EOS pooling, when the field is absent).
 */
export function clipTextConfigFromHf(json: unknown): ClipTextConfig {
  if (!isHfJson(json)) throw new HfConfigError("CLIP text config.json must be a JSON object");
  if (json["model_type"] === "clip") {
    const text = json["text_config"];
    if (!isHfJson(text)) throw new HfConfigError("CLIP config.json: model_type is clip but text_config is missing");
    return clipTextConfigFromHf({ model_type: "clip_text_model", ...text });
  }
  const modelType = json["model_type"];
  if (modelType !== undefined && modelType !== "clip_text_model") {
    throw new HfConfigError(
      `CLIP text config.json: model_type is "${String(modelType)}", expected "clip_text_model": is this the text_encoder folder of a FLUX model?`,
    );
  }
  const f = new HfFields(json, "CLIP text");
  const hiddenAct = f.string("hidden_act", "quick_gelu");
  const config = {
    vocabSize: f.int("vocab_size"),
    hiddenSize: f.int("hidden_size"),
    intermediateSize: f.int("intermediate_size"),
    numLayers: f.int("num_hidden_layers"),
    numHeads: f.int("num_attention_heads"),
    maxPositions: f.int("max_position_embeddings", 77),
    layerNormEps: f.positive("layer_norm_eps", 1e-5),
    hiddenAct: hiddenAct as "quick_gelu",
    eosTokenId: f.optionalInt("eos_token_id", 49407) ?? 49407,
    bosTokenId: f.optionalInt("bos_token_id", 49406) ?? 49406,
    padTokenId: f.optionalInt("pad_token_id", 1) ?? 1,
    projectionDim: f.int("projection_dim", 512),
  };
  validateClipTextConfig(config);
  return config;
}

export type ClipHfConfigWriteOptions = HfConfigWriteOptions;

/** The `config.json` transformers writes for a CLIPTextModel with this config. */
export function clipTextHfConfig(c: ClipTextConfig, options: ClipHfConfigWriteOptions = {}): HfJson {
  validateClipTextConfig(c);
  return {
    architectures: ["CLIPTextModel"],
    attention_dropout: 0.0,
    bos_token_id: c.bosTokenId,
    dropout: 0.0,
    dtype: options.dtype ?? "float32",
    eos_token_id: c.eosTokenId,
    hidden_act: c.hiddenAct,
    hidden_size: c.hiddenSize,
    initializer_factor: 1.0,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    layer_norm_eps: c.layerNormEps,
    max_position_embeddings: c.maxPositions,
    model_type: "clip_text_model",
    num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers,
    pad_token_id: c.padTokenId,
    projection_dim: c.projectionDim,
    transformers_version: options.transformersVersion ?? "4.57.6",
    vocab_size: c.vocabSize,
  };
}
