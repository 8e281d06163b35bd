/**
 * FLUX's T5 text encoder (text_encoder_2) ready to run: T5EncoderModel keys checked and loaded
 * (float32 or block-quantized), the graph built, one ONNX Runtime session.
 *   ids [B, T] -> last_hidden_state [B, T, d_model]   (FLUX pads to 512; no attention mask, as FLUX calls it)
 */
import { relativePositionBucketTable } from "../../models/t5/buckets.js";
import { validateT5Config, type T5Config } from "../../models/t5/config.js";
import { T5EncoderStack, buildT5EncoderGraph } from "../../models/t5/model.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { TensorSource } from "../../weights/source.js";
import type { ComponentOptions, ComponentSpec } from "../component-spec.js";
import { openOnePart } from "../open-component.js";
import { EncoderSession } from "./encoder-session.js";
import type { MissingHint, ParamHints } from "../params/load-params.js";
import { checkIds, countIndexed, sizesHint } from "./token-ids.js";

export interface T5Options extends ComponentOptions {
  readonly config: T5Config;
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

function t5MissingHint(config: T5Config, source: TensorSource): MissingHint {
  return (spec: ParamSpec) => {
    if (spec.path === "shared.weight")
      return "looked for shared.weight and its alias encoder.embed_tokens.weight: is this a T5 encoder checkpoint (FLUX's text_encoder_2)?";
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

/** The T5 encoder's spec: T5EncoderModel keys (the embedding under either name), quantizable. */
export function t5Spec(model: T5EncoderStack, config: T5Config): ComponentSpec<"t5"> {
  return {
    component: "t5",
    model,
    view: t5WeightView,
    hints: (view) => t5Hints(config, view),
    params: () => model.parameters(),
    quantized: {},
    build: (weights, _part, taps) => buildT5EncoderGraph(model, weights, { taps }),
  };
}

export class T5Encoder extends EncoderSession<T5Config> {
  /**
   * Checks every tensor of the weights (T5EncoderModel keys) against `config` before reading any,
   * then creates the session now, or, with `options.lazy`, on the first run (again after an eviction).
   */
  static async open(engine: Engine, options: T5Options): Promise<T5Encoder> {
    validateT5Config(options.config);
    const spec = t5Spec(new T5EncoderStack(options.config), options.config);
    return new T5Encoder(options.config, await openOnePart(engine, spec, "t5", options));
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
}
