/**
 * Opens every component of a FLUX.1 Fill model folder: transformer, VAE (encoder and decoder),
 * CLIP, T5 and both tokenizers, with the sessions in a SessionPool (loaded now, or on demand under
 * a memory budget). Sizes come from the folder's config.json files, or from the tensors of a BFL
 * single file.
 */
import type { Engine } from "../runtime/engine.js";
import { SessionPool } from "../runtime/session-pool.js";
import type { SessionSettings } from "../runtime/protocol.js";
import type { FluxParams } from "../models/flux/params.js";
import { vaeParamsFromDiffusers } from "../models/vae/diffusers-config.js";
import { FLUX_VAE, type VaeParams } from "../models/vae/params.js";
import { t5ConfigFromHf, type T5Config } from "../models/t5/config.js";
import { clipTextConfigFromHf, type ClipTextConfig } from "../models/clip/config.js";
import { PromptTokenizer } from "../text/tokenizer.js";
import { checkAdapterMethod } from "../weights/lora/method.js";
import { openSafetensors } from "../weights/safetensors/open.js";
import { openWeights } from "../weights/open-weights.js";
import type { TensorSource } from "../weights/source.js";
import { withOpened, type SourceOpener } from "../weights/source-opener.js";
import { configFile, textEncoderConfig, type FluxFillFolder } from "../weights/hub/model-folder.js";
import type { ConvertedCache } from "../weights/converted/index.js";
import { ModelFolderError } from "../weights/hub/errors.js";
import { FluxTransformer, type AdapterOptions } from "./flux/transformer.js";
import { folderFluxParams } from "./flux/sizes.js";
import { Vae } from "./vae/vae.js";
import { ClipTextEncoder } from "./text/clip.js";
import { T5Encoder } from "./text/t5.js";
import type { TextModels } from "./text/conditioning.js";
import { describePrecision, F32, type Precision } from "./precision.js";
import { MODEL_COMPONENTS, stageEntryName, weightBytes, type ComponentBytes, type ModelSizes } from "./memory-estimates.js";

export const CLIP_MAX_LENGTH = 77;
/** Noisy latent (64) + masked-image latent (64) + mask (256) per token. */
export const FILL_IN_CHANNELS = 384;

/** How a model edits: ICEdit (FLUX.1 Fill, diptych, adapter) or FLUX.1 Kontext [dev] (the image as extra tokens). */
export type EditMethod = "icedit" | "kontext";
export const EDIT_METHODS: readonly EditMethod[] = ["icedit", "kontext"];
/** FLUX.1 Kontext [dev] (FLUX.1 [dev]'s transformer): the noisy latent alone; the condition comes as extra tokens. */
export const KONTEXT_IN_CHANNELS = 64;
export const T5_MAX_LENGTH = 512;

export interface AdapterFile {
  /** What the user gave (repo id or path), for the record. */
  readonly spec: string;
  readonly file: string;
  readonly scale: number;
  readonly topK?: number;
  readonly merge?: boolean;
}

export interface LoadModelOptions {
  readonly settings?: Partial<SessionSettings>;
  /**
   * The transformer's and T5's precision (default f32), or how to choose it from the model's sizes
   * (e.g. by what fits in memory: "auto" is resolved here, once).
   */
  readonly precision?: Precision | ((sizes: ModelSizes) => Precision | Promise<Precision>);
  /** Where quantized weights are kept once converted (none: converted in memory at every open). */
  readonly cache?: ConvertedCache;
  /** LoRA / LoRA-MoE adapters applied to the transformer. */
  readonly adapters?: readonly AdapterFile[];
  /**
   * T5 sequence length (diffusers' max_sequence_length); default: 512 as FLUX.1 Fill, or the
   * tokenizer_2 folder's model_max_length where that is shorter (the demo model's 64).
   */
  readonly t5MaxLength?: number;
  /** Called before each component loads (its name, or "tokenizers"). */
  readonly onComponent?: (component: string) => void;
  /** The editing method the transformer must fit (its input channels); default ICEdit (FLUX.1 Fill). */
  readonly method?: EditMethod;
}

export interface LoadedParams {
  readonly flux: FluxParams;
  readonly vae: VaeParams;
  readonly t5: T5Config;
  readonly clip: ClipTextConfig;
}

export interface IceditModels {
  readonly transformer: FluxTransformer;
  readonly vae: Vae;
  readonly text: TextModels;
  readonly params: LoadedParams;
  /** The sizes that memory estimates are made from. */
  readonly sizes: ModelSizes;
  /** Each component's weights as loaded, in bytes (estimated from the parameter counts). */
  readonly weightBytes: ComponentBytes;
  /** The precision of the transformer and T5. */
  readonly precision: Precision;
  /** The components' sessions (named as MODEL_COMPONENTS). */
  readonly pool: SessionPool;
  release(): Promise<void>;
}

async function withSources<T>(
  adapters: readonly AdapterFile[],
  method: EditMethod,
  use: (sources: TensorSource[]) => Promise<T>,
): Promise<T> {
  const sources: TensorSource[] = [];
  try {
    for (const a of adapters) {
      sources.push(await openSafetensors(a.file));
      checkAdapterMethod(sources[sources.length - 1] as TensorSource, method);
    }
    return await use(sources);
  } finally {
    await Promise.all(sources.map((s) => s.close()));
  }
}

export interface OpenModelOptions extends Omit<LoadModelOptions, "onComponent"> {
  /** Where the components' sessions live: created on their first run, evicted under its budget. */
  readonly pool: SessionPool;
}

/** The folder's VAE sizes and latent factors: its vae/config.json, or FLUX's for a single ae.safetensors. */
export function folderVaeParams(folder: FluxFillFolder): VaeParams {
  return folder.vae.config ? vaeParamsFromDiffusers(folder.vae.config, configFile(folder, "vae")) : FLUX_VAE;
}

/** Files of adapters opened for the time of `use` (the transformer reads them whole at open). */
function adapterOptions(adapters: readonly AdapterFile[], sources: readonly TensorSource[]): AdapterOptions[] {
  return adapters.map((a, i) => ({ source: sources[i] as TensorSource, name: a.spec, scale: a.scale, topK: a.topK, merge: a.merge }));
}

/**
 * Opens every component of a FLUX.1 Fill model folder into `options.pool` without loading any:
 * configs and tokenizers are read, adapters read and checked, every weight's shape checked, so
 * bad files fail here; each session is created when its component first runs (pool.preload()
 * loads them all now) and re-created from its file after an eviction.
 */
export async function openIceditModels(engine: Engine, folder: FluxFillFolder, options: OpenModelOptions): Promise<IceditModels> {
  const settings = options.settings ?? {};
  const pool = options.pool;
  const t5Config = textEncoderConfig(folder, "text_encoder_2", t5ConfigFromHf);
  const clipConfig = textEncoderConfig(folder, "text_encoder", clipTextConfigFromHf);
  const clipTokenizer = await PromptTokenizer.fromFolder(folder.tokenizer, "clip", CLIP_MAX_LENGTH);
  const t5Tokenizer = await PromptTokenizer.fromFolder(folder.tokenizer2, "t5", options.t5MaxLength ?? { upTo: T5_MAX_LENGTH });
  const t5MaxLength = t5Tokenizer.maxLength;
  const opener =
    (path: string): SourceOpener =>
    () =>
      openWeights(path);
  const vaeParams = folderVaeParams(folder);
  const flux = await withOpened(opener(folder.transformer.weights), async (s) => folderFluxParams(folder, s));
  const method = options.method ?? "icedit";
  const wanted = method === "kontext" ? KONTEXT_IN_CHANNELS : FILL_IN_CHANNELS;
  if (flux.inChannels !== wanted) {
    const need =
      method === "kontext"
        ? `FLUX.1 Kontext [dev] has ${KONTEXT_IN_CHANNELS}: Kontext needs black-forest-labs/FLUX.1-Kontext-dev`
        : `FLUX.1 Fill has ${FILL_IN_CHANNELS} (64 is FLUX.1 [dev]/Kontext/[schnell]): ICEdit needs black-forest-labs/FLUX.1-Fill-dev`;
    throw new ModelFolderError(folder.root, "transformer", `in_channels is ${flux.inChannels}, but ${need}`);
  }
  const sizes: ModelSizes = { flux, vae: vaeParams, t5: t5Config, clip: clipConfig, t5Length: t5MaxLength, clipLength: CLIP_MAX_LENGTH };
  const precision = typeof options.precision === "function" ? await options.precision(sizes) : (options.precision ?? F32);
  const big = { settings, precision, cache: options.cache };
  const clipWeights = opener(folder.textEncoder.weights);
  const clip = await ClipTextEncoder.open(engine, {
    config: clipConfig,
    weights: clipWeights,
    settings,
    lazy: pool.lazy("text_encoder", 0),
  });
  const t5 = await T5Encoder.open(engine, {
    config: t5Config,
    weights: opener(folder.textEncoder2.weights),
    ...big,
    lazy: pool.lazy("text_encoder_2", 0),
  });
  const vaeLazy = { encoder: pool.lazy("vae_encoder", 0), decoder: pool.lazy("vae_decoder", 0) };
  const vae = await Vae.open(engine, { params: vaeParams, weights: opener(folder.vae.weights), settings, lazy: vaeLazy });
  const adapters = options.adapters ?? [];
  const transformer = await withSources(adapters, method, (sources) =>
    FluxTransformer.open(engine, {
      params: flux,
      weights: opener(folder.transformer.weights),
      ...big,
      adapters: adapterOptions(adapters, sources),
      lazy: pool.lazy("transformer", 0),
      // Step caching's stage graphs: pool entries of their own, loaded only by an edit that caches.
      stages: (stage) => pool.lazy(stageEntryName(stage), 0),
    }),
  );
  const params: LoadedParams = { flux, vae: vaeParams, t5: t5Config, clip: clipConfig };
  return {
    transformer,
    vae,
    // T5's precision is part of the embeddings' identity: int8 and f32 weights give different embeddings.
    text: { clip, t5, clipTokenizer, t5Tokenizer, identity: `${folder.root} t5:${describePrecision(precision)}` },
    params,
    sizes,
    precision,
    weightBytes: weightBytes(sizes, { precision, adapterBytes: transformer.branchBytes }),
    pool,
    release: () => pool.close(),
  };
}

/** Loads every component of a FLUX.1 Fill model folder into sessions now, to stay resident. */
export async function loadIceditModels(engine: Engine, folder: FluxFillFolder, options: LoadModelOptions = {}): Promise<IceditModels> {
  const pool = new SessionPool(Number.POSITIVE_INFINITY, { onLoading: options.onComponent });
  options.onComponent?.("tokenizers");
  const models = await openIceditModels(engine, folder, { ...options, pool });
  try {
    await pool.preload(MODEL_COMPONENTS);
  } catch (error) {
    await models.release();
    throw error;
  }
  return models;
}
