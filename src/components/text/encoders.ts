/**
 * FLUX's two text encoders ready to run: weights checked and loaded (Hugging Face layouts), the
 * graph built, one ONNX Runtime session each.
 *   T5Encoder:       ids [B, T] -> last_hidden_state [B, T, d_model]   (text_encoder_2; FLUX pads to 512)
 *   ClipTextEncoder: ids [B, T<=77] -> last_hidden_state, pooler_output [B, D] (text_encoder; FLUX pads to 77)
 * Both are called without an attention mask, as FLUX calls them; ids come from the tokenizers.
 */
import { InvalidArgumentError } from "../../errors.js";
import { CLIP_L_TEXT, validateClipTextConfig, type ClipTextConfig } from "../../models/clip/config.js";
import { ClipTextTransformer, buildClipTextGraph } from "../../models/clip/model.js";
import { clipPooledIndex } from "../../models/clip/pooling.js";
import { relativePositionBucketTable } from "../../models/t5/buckets.js";
import { validateT5Config, type T5Config } from "../../models/t5/config.js";
import { T5EncoderStack, buildT5EncoderGraph } from "../../models/t5/model.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import type { LazySession, RunnableSession } from "../../runtime/runnable-session.js";
import type { Graph } from "../../onnx/graph.js";
import { shapeString, tensor, type Tensor } from "../../tensor.js";
import { MissingTensorError } from "../../weights/errors.js";
import { stripPrefixView } from "../../weights/prefix-view.js";
import type { TensorSource } from "../../weights/source.js";
import { withOpened, type SourceOpener } from "../../weights/source-opener.js";
import { loadQuantizedParams, t5QuantOptions, type QuantOptions } from "../params/quantized-params.js";
import { checkParams, loadParams, type MismatchHint, type MissingHint, type ParamHints } from "../params/load-params.js";

/** Token ids a text encoder cannot take (dtype, rank, length, an id outside the vocabulary). */
export class TextEncoderInputError extends InvalidArgumentError {}

/** What a lazily loaded encoder takes of TextEncoderLoadOptions (taps are for parity checks). */
export type OpenTextEncoderOptions = Omit<TextEncoderLoadOptions, "taps">;

export interface TextEncoderLoadOptions {
  /** Block-quantize the linear weights (MatMulNBits); embeddings and norms stay float. */
  readonly quant?: QuantOptions;
  /** Intermediates to return from forward() (golden names: "embeddings", "block0_out", "layer1_out", ...). */
  readonly taps?: readonly string[];
}

/** Checks ids [B, T] (i64, every id in [0, vocab)); returns B and T. */
function checkIds(what: string, ids: Tensor, vocab: number, maxLength?: number): { batch: number; length: number } {
  if (ids.dtype !== "i64") throw new TextEncoderInputError(`${what}: token ids must be int64, got ${ids.dtype}`);
  if (ids.dims.length !== 2) {
    const hint = ids.dims.length === 1 ? ` (one sequence? pass it as [1, ${ids.dims[0]}])` : "";
    throw new TextEncoderInputError(`${what}: token ids must be [B, T], got shape ${shapeString(ids.dims)}${hint}`);
  }
  const [batch, length] = ids.dims as [number, number];
  if (batch < 1 || length < 1) throw new TextEncoderInputError(`${what}: token ids are empty: ${shapeString(ids.dims)}`);
  if (maxLength !== undefined && length > maxLength) {
    throw new TextEncoderInputError(`${what}: ${length} tokens is more than its ${maxLength} positions: truncate the ids to ${maxLength} (FLUX's CLIP tokenizer pads and truncates to 77)`);
  }
  const data = ids.data as BigInt64Array;
  const top = BigInt(vocab);
  for (let i = 0; i < data.length; i++) {
    const id = data[i] as bigint;
    if (id < 0n || id >= top) {
      const at = `[${Math.floor(i / length)}, ${i % length}]`;
      throw new TextEncoderInputError(`${what}: token id ${id} at ${at} is outside the vocabulary (vocab_size ${vocab}): were the ids made by this model's tokenizer?`);
    }
  }
  return { batch, length };
}

/** A view under which `alias` can be read as `name` when the file has only the alias. */
function aliasView(source: TensorSource, name: string, alias: string): TensorSource {
  if (source.has(name) || !source.has(alias)) return source;
  const real = (n: string): string => (n === name ? alias : n);
  return {
    description: source.description,
    names: () => [...source.names(), name],
    has: (n) => source.has(real(n)),
    entry: (n) => ({ ...source.entry(real(n)), name: n }),
    read: (n) => source.read(real(n)),
    readF32: (n) => source.readF32(real(n)),
    metadata: () => source.metadata(),
    close: () => source.close(),
  };
}

/** The highest `prefix{i}.` index in the names, plus one (0 when none). */
function countIndexed(names: readonly string[], prefix: string): number {
  let count = 0;
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const i = Number.parseInt(n.slice(prefix.length), 10);
    if (Number.isInteger(i)) count = Math.max(count, i + 1);
  }
  return count;
}

function sizesHint(what: string, sizes: string): MismatchHint {
  return () => `the checkpoint does not have the sizes of the configured ${what} (${sizes}): check that config.json belongs to these weights`;
}

// ---------------------------------------------------------------------------------------------- T5

function t5MissingHint(config: T5Config, source: TensorSource): MissingHint {
  return (spec: ParamSpec) => {
    if (spec.path === "shared.weight") return "looked for shared.weight and its alias encoder.embed_tokens.weight: is this a T5 encoder checkpoint (FLUX's text_encoder_2)?";
    const blocks = countIndexed(source.names(), "encoder.block.");
    if (blocks > 0 && blocks < config.numLayers && spec.path.startsWith(`encoder.block.${blocks}.`)) {
      return `the file has ${blocks} encoder blocks but the config asks for ${config.numLayers}: check num_layers in config.json`;
    }
    return "is this a T5 v1.1 encoder checkpoint (FLUX's text_encoder_2, T5EncoderModel keys)?";
  };
}

export interface T5Output {
  /** [B, T, d_model] */
  readonly lastHiddenState: Tensor<"f32">;
  readonly taps: Readonly<Record<string, Tensor>>;
  readonly ms: number;
}

/** A T5EncoderModel checkpoint as the encoder reads it (the token embedding under both of its names). */
export function t5WeightView(source: TensorSource): TensorSource {
  return aliasView(source, "shared.weight", "encoder.embed_tokens.weight");
}

function t5Hints(config: T5Config, view: TensorSource): ParamHints {
  const sizes = `d_model ${config.dModel}, ${config.numHeads} heads x d_kv ${config.dKv}, d_ff ${config.dFf}, vocab ${config.vocabSize}`;
  return { missing: t5MissingHint(config, view), mismatch: sizesHint("T5 encoder", sizes) };
}

/** Reads the T5 weights of `source` (block-quantized with options.quant) and builds the graph. */
async function buildT5(model: T5EncoderStack, config: T5Config, source: TensorSource, options: TextEncoderLoadOptions): Promise<Graph> {
  const view = t5WeightView(source);
  const hints = t5Hints(config, view);
  const weights = options.quant ? await loadQuantizedParams(model, view, t5QuantOptions(options.quant), hints) : await loadParams(model.parameters(), view, hints);
  return buildT5EncoderGraph(model, weights, { taps: options.taps ?? [] });
}

export class T5Encoder {
  private constructor(
    readonly config: T5Config,
    private readonly session: RunnableSession,
    readonly taps: readonly string[],
  ) {}

  /** Checks every tensor of `source` (T5EncoderModel keys) against `config` before reading any, then builds the session. */
  static async load(engine: Engine, source: TensorSource, config: T5Config, settings: Partial<SessionSettings> = {}, options: TextEncoderLoadOptions = {}): Promise<T5Encoder> {
    validateT5Config(config);
    const graph = await buildT5(new T5EncoderStack(config), config, source, options);
    const session = await engine.load(graph, settings);
    return new T5Encoder(config, session, graph.outputs.map((o) => o.name).filter((n) => n !== "last_hidden_state"));
  }

  /**
   * The encoder with its session created on demand by `lazy` (a SessionPool entry) and re-read
   * from `open` after an eviction; every tensor's shape is checked now, none is read.
   */
  static async open(engine: Engine, open: SourceOpener, config: T5Config, settings: Partial<SessionSettings>, options: OpenTextEncoderOptions, lazy: LazySession): Promise<T5Encoder> {
    validateT5Config(config);
    const model = new T5EncoderStack(config);
    await withOpened(open, async (source) => {
      const view = t5WeightView(source);
      checkParams(model.parameters(), view, t5Hints(config, view));
    });
    const session = lazy(() => withOpened(open, async (source) => engine.load(await buildT5(model, config, source, options), settings)));
    return new T5Encoder(config, session, []);
  }

  /** ids: [B, T] int64 -> last_hidden_state and the requested taps. */
  async forward(ids: Tensor<"i64">): Promise<T5Output> {
    const { length } = checkIds("T5 encoder", ids, this.config.vocabSize);
    const buckets = relativePositionBucketTable(length, {
      bidirectional: true,
      numBuckets: this.config.relativeAttentionNumBuckets,
      maxDistance: this.config.relativeAttentionMaxDistance,
    });
    const result = await this.session.run({ input_ids: ids, position_bucket: tensor("i64", [length, length], buckets) });
    const { last_hidden_state: out, ...taps } = result.outputs;
    return { lastHiddenState: out as Tensor<"f32">, taps, ms: result.ms };
  }

  /** ids: [B, T] int64 (pad to FLUX's max length, 512, with id 0) -> last_hidden_state [B, T, d_model]. */
  async encode(ids: Tensor<"i64">): Promise<Tensor<"f32">> {
    return (await this.forward(ids)).lastHiddenState;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

// -------------------------------------------------------------------------------------------- CLIP

const CLIP_PREFIX = "text_model.";

/** transformers 4.x keys carry `text_model.`, 5.x keys do not: both read as the un-prefixed names. */
function clipView(source: TensorSource): TensorSource {
  return source.has(`${CLIP_PREFIX}embeddings.token_embedding.weight`) ? stripPrefixView(source, CLIP_PREFIX) : source;
}

function clipMismatchHint(config: ClipTextConfig): MismatchHint {
  return (spec, actual) => {
    if (spec.path === "embeddings.token_embedding.weight" && actual[1] === 1280) {
      return `its hidden size is 1280, the OpenCLIP ViT-bigG text model (SDXL's text_encoder_2), not CLIP-L (${CLIP_L_TEXT.hiddenSize}) that FLUX uses`;
    }
    const sizes = `hidden ${config.hiddenSize}, ${config.numHeads} heads, MLP ${config.intermediateSize}, vocab ${config.vocabSize}, ${config.maxPositions} positions`;
    return sizesHint("CLIP text model", sizes)(spec, actual);
  };
}

function clipMissingHint(config: ClipTextConfig, source: TensorSource): MissingHint {
  return (spec: ParamSpec) => {
    const layers = countIndexed(source.names(), "encoder.layers.");
    if (layers > 0 && layers < config.numLayers && spec.path.startsWith(`encoder.layers.${layers}.`)) {
      return `the file has ${layers} layers but the config asks for ${config.numLayers}: check num_hidden_layers in config.json`;
    }
    return "is this a CLIP text model checkpoint (FLUX's text_encoder, CLIPTextModel keys with or without text_model.)?";
  };
}

export interface ClipTextOutput {
  /** [B, T, D] after the final LayerNorm */
  readonly lastHiddenState: Tensor<"f32">;
  /** [B, D]: lastHiddenState at pooledIndex, what FLUX feeds to vector_in */
  readonly pooled: Tensor<"f32">;
  /** The pooled position of each row (the config's rule, see models/clip/pooling.ts). */
  readonly pooledIndex: number[];
}

function clipHints(config: ClipTextConfig, view: TensorSource): ParamHints {
  return { missing: clipMissingHint(config, view), mismatch: clipMismatchHint(config) };
}

/** The text model's view of `source`; a file with only a vision tower is refused. */
function checkedClipView(source: TensorSource): TensorSource {
  const view = clipView(source);
  if (!view.has("embeddings.token_embedding.weight") && view.names().some((n) => n.startsWith("vision_model."))) {
    throw new MissingTensorError(`${CLIP_PREFIX}embeddings.token_embedding.weight`, source.description, "the file has a CLIP vision tower but no text model");
  }
  return view;
}

/** Reads the CLIP text weights of `source` and builds the graph. */
async function buildClip(model: ClipTextTransformer, config: ClipTextConfig, source: TensorSource, options: TextEncoderLoadOptions): Promise<Graph> {
  const view = checkedClipView(source);
  const weights = await loadParams(model.parameters(), view, clipHints(config, view));
  return buildClipTextGraph(model, weights, { taps: options.taps ?? [] });
}

export class ClipTextEncoder {
  private constructor(
    readonly config: ClipTextConfig,
    private readonly session: RunnableSession,
    readonly taps: readonly string[],
  ) {}

  /** Checks every tensor of `source` (CLIPTextModel keys, either form) against `config` before reading any, then builds the session. */
  static async load(engine: Engine, source: TensorSource, config: ClipTextConfig, settings: Partial<SessionSettings> = {}, options: TextEncoderLoadOptions = {}): Promise<ClipTextEncoder> {
    validateClipTextConfig(config);
    const graph = await buildClip(new ClipTextTransformer(config), config, source, options);
    const session = await engine.load(graph, settings);
    const taps = graph.outputs.map((o) => o.name).filter((n) => n !== "last_hidden_state" && n !== "pooler_output");
    return new ClipTextEncoder(config, session, taps);
  }

  /**
   * The text model with its session created on demand by `lazy` (a SessionPool entry) and re-read
   * from `open` after an eviction; every tensor's shape is checked now, none is read.
   */
  static async open(engine: Engine, open: SourceOpener, config: ClipTextConfig, settings: Partial<SessionSettings>, lazy: LazySession): Promise<ClipTextEncoder> {
    validateClipTextConfig(config);
    const model = new ClipTextTransformer(config);
    await withOpened(open, async (source) => {
      const view = checkedClipView(source);
      checkParams(model.parameters(), view, clipHints(config, view));
    });
    const session = lazy(() => withOpened(open, async (source) => engine.load(await buildClip(model, config, source, {}), settings)));
    return new ClipTextEncoder(config, session, []);
  }

  /** ids: [B, T <= max positions] int64 -> outputs, the requested taps and the run time. */
  async forward(ids: Tensor<"i64">): Promise<ClipTextOutput & { taps: Readonly<Record<string, Tensor>>; ms: number }> {
    const { batch } = checkIds("CLIP text model", ids, this.config.vocabSize, this.config.maxPositions);
    const pooledIndex = clipPooledIndex(ids.data, ids.dims, this.config.eosTokenId);
    const index = tensor("i64", [batch], BigInt64Array.from(pooledIndex, (i) => BigInt(i)));
    const result = await this.session.run({ input_ids: ids, pooled_index: index });
    const { last_hidden_state: last, pooler_output: pooled, ...taps } = result.outputs;
    return { lastHiddenState: last as Tensor<"f32">, pooled: pooled as Tensor<"f32">, pooledIndex, taps, ms: result.ms };
  }

  /** ids: [B, T] int64 (FLUX: BOS, tokens, EOS, EOS padding to 77) -> last_hidden_state, pooled output and where it pooled. */
  async encode(ids: Tensor<"i64">): Promise<ClipTextOutput> {
    const { lastHiddenState, pooled, pooledIndex } = await this.forward(ids);
    return { lastHiddenState, pooled, pooledIndex };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
