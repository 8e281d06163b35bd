/**
 * T5 v1.1 encoder sizes (FLUX's text_encoder_2): a validated config, presets, and the Hugging Face
 * `config.json` reader and writer (transformers T5Config, as saved with a T5EncoderModel).
 */
import { HfConfigError, HfFields, isHfJson, type HfConfigWriteOptions, type HfJson } from "./hf-json.js";

export interface T5Config {
  readonly vocabSize: number;
  readonly dModel: number;
  /** Size of one attention head; heads * dKv need not equal dModel. */
  readonly dKv: number;
  readonly dFf: number;
  /** Encoder blocks. */
  readonly numLayers: number;
  readonly numHeads: number;
  readonly relativeAttentionNumBuckets: number;
  readonly relativeAttentionMaxDistance: number;
  /** RMSNorm epsilon (1e-6 for every T5 v1.1 checkpoint). */
  readonly layerNormEpsilon: number;
  /** transformers' feed_forward_proj; must be gated ("gated-gelu" for T5 v1.1). */
  readonly feedForwardProj: string;
  /** The gate's activation (transformers' dense_act_fn): "gelu_new" (tanh GELU) for T5 v1.1. */
  readonly denseActFn: T5Activation;
  readonly padTokenId: number;
  readonly eosTokenId: number;
  readonly decoderStartTokenId: number;
}

/** Gate activations icedit builds: the tanh GELU under its three transformers names, and the erf GELU. */
export type T5Activation = "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" | "gelu";

const ACTIVATIONS: readonly string[] = ["gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu"];

/** Whether the activation is the tanh approximation of GELU (all but "gelu", the erf form). */
export function isTanhGelu(act: T5Activation): boolean {
  return act !== "gelu";
}

/** transformers' T5Config: "gated-gelu" means gelu_new; otherwise the part after "gated-". */
function activationOf(feedForwardProj: string): string {
  return feedForwardProj === "gated-gelu" ? "gelu_new" : (feedForwardProj.split("-").at(-1) ?? "");
}

function fail(message: string): never {
  throw new HfConfigError(`T5 config: ${message}`);
}

/** Checks a config; returns the attention width heads * d_kv. */
export function validateT5Config(c: T5Config): { innerDim: number } {
  for (const key of [
    "vocabSize",
    "dModel",
    "dKv",
    "dFf",
    "numLayers",
    "numHeads",
    "relativeAttentionNumBuckets",
    "relativeAttentionMaxDistance",
  ] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) fail(`${key} must be a positive integer, got ${c[key]}`);
  }
  const maxExact = Math.floor(Math.floor(c.relativeAttentionNumBuckets / 2) / 2);
  if (maxExact < 1)
    fail(`relative_attention_num_buckets must be at least 4 (two directions, exact and log buckets), got ${c.relativeAttentionNumBuckets}`);
  if (c.relativeAttentionMaxDistance <= maxExact) {
    fail(`relative_attention_max_distance (${c.relativeAttentionMaxDistance}) must exceed the ${maxExact} exact buckets per direction`);
  }
  if (!(c.layerNormEpsilon > 0)) fail(`layer_norm_epsilon must be positive, got ${c.layerNormEpsilon}`);
  const parts = c.feedForwardProj.split("-");
  if (parts.length !== 2 || parts[0] !== "gated") {
    fail(
      `feed_forward_proj "${c.feedForwardProj}" is not supported: icedit runs T5 v1.1 encoders (FLUX's text_encoder_2), whose feed-forward is "gated-gelu" ` +
        `(the original T5's un-gated "relu" is not supported)`,
    );
  }
  if (!ACTIVATIONS.includes(c.denseActFn))
    fail(`dense_act_fn "${c.denseActFn}" is not supported (supported: ${ACTIVATIONS.join(", ")}); T5 v1.1 uses gelu_new`);
  for (const key of ["padTokenId", "eosTokenId", "decoderStartTokenId"] as const) {
    if (!Number.isInteger(c[key])) fail(`${key} must be an integer, got ${c[key]}`);
  }
  return { innerDim: c.numHeads * c.dKv };
}

/** google/t5-v1_1-xxl's encoder, as in FLUX.1's text_encoder_2/config.json (4.76 B parameters). */
export const T5_V1_1_XXL: T5Config = {
  vocabSize: 32128,
  dModel: 4096,
  dKv: 64,
  dFf: 10240,
  numLayers: 24,
  numHeads: 64,
  relativeAttentionNumBuckets: 32,
  relativeAttentionMaxDistance: 128,
  layerNormEpsilon: 1e-6,
  feedForwardProj: "gated-gelu",
  denseActFn: "gelu_new",
  padTokenId: 0,
  eosTokenId: 1,
  decoderStartTokenId: 0,
};

/** The same architecture at the golden X1 sizes (demo models and tests). */
export const T5_TINY: T5Config = { ...T5_V1_1_XXL, vocabSize: 128, dModel: 64, dKv: 16, dFf: 96, numLayers: 2, numHeads: 4 };

export const T5_PRESETS: Readonly<Record<string, T5Config>> = {
  "t5-v1_1-xxl": T5_V1_1_XXL,
  "t5-tiny": T5_TINY,
};

/**
 * Reads a transformers T5Config `config.json` (e.g. FLUX's text_encoder_2/config.json). Sizes are
 * required; the relative-attention settings, epsilon and token ids take transformers' defaults. As
 * in transformers, a stored dense_act_fn wins over the one feed_forward_proj implies.
 */
export function t5ConfigFromHf(json: unknown): T5Config {
  if (!isHfJson(json)) throw new HfConfigError("T5 config.json must be a JSON object");
  const f = new HfFields(json, "T5");
  const modelType = json["model_type"];
  if (modelType !== undefined && modelType !== "t5") {
    throw new HfConfigError(
      `T5 config.json: model_type is "${String(modelType)}", expected "t5": is this the text_encoder_2 folder of a FLUX model?`,
    );
  }
  const feedForwardProj = f.string("feed_forward_proj", "relu");
  const config: T5Config = {
    vocabSize: f.int("vocab_size"),
    dModel: f.int("d_model"),
    dKv: f.int("d_kv"),
    dFf: f.int("d_ff"),
    numLayers: f.int("num_layers"),
    numHeads: f.int("num_heads"),
    relativeAttentionNumBuckets: f.int("relative_attention_num_buckets", 32),
    relativeAttentionMaxDistance: f.int("relative_attention_max_distance", 128),
    layerNormEpsilon: f.positive("layer_norm_epsilon", 1e-6),
    feedForwardProj,
    denseActFn: f.string("dense_act_fn", activationOf(feedForwardProj)) as T5Activation,
    padTokenId: f.optionalInt("pad_token_id", 0) ?? 0,
    eosTokenId: f.optionalInt("eos_token_id", 1) ?? 1,
    decoderStartTokenId: f.optionalInt("decoder_start_token_id", 0) ?? 0,
  };
  validateT5Config(config);
  return config;
}

export type { HfConfigWriteOptions } from "./hf-json.js";

/** The `config.json` transformers writes for a T5EncoderModel with this config (keys sorted as it sorts them). */
export function t5HfConfig(c: T5Config, options: HfConfigWriteOptions = {}): HfJson {
  validateT5Config(c);
  return {
    architectures: ["T5EncoderModel"],
    classifier_dropout: 0.0,
    d_ff: c.dFf,
    d_kv: c.dKv,
    d_model: c.dModel,
    decoder_start_token_id: c.decoderStartTokenId,
    dense_act_fn: c.denseActFn,
    dropout_rate: 0.0,
    dtype: options.dtype ?? "float32",
    eos_token_id: c.eosTokenId,
    feed_forward_proj: c.feedForwardProj,
    initializer_factor: 1.0,
    is_encoder_decoder: false,
    is_gated_act: true,
    layer_norm_epsilon: c.layerNormEpsilon,
    model_type: "t5",
    num_decoder_layers: c.numLayers,
    num_heads: c.numHeads,
    num_layers: c.numLayers,
    pad_token_id: c.padTokenId,
    relative_attention_max_distance: c.relativeAttentionMaxDistance,
    relative_attention_num_buckets: c.relativeAttentionNumBuckets,
    tie_word_embeddings: false,
    transformers_version: options.transformersVersion ?? "4.57.6",
    use_cache: false,
    vocab_size: c.vocabSize,
  };
}
