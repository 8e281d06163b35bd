/**
 * What each component of an ICEdit model costs in memory while it runs: its weights in the form
 * they are loaded plus an allowance for its activations at the size of the work. Estimates, not
 * measurements (the record's per-stage peaks are those); they decide whether the whole model can
 * stay resident and what a memory budget can hold at once.
 *
 * Weights: float32 parameters 4 bytes each; MatMulNBits weights bits/8 bytes plus one float32
 * scale per block (int8, block 32: 1.125 bytes; int4: 0.625); LoRA branches in float32.
 * Activations, float32 at the work's size:
 * - T5, CLIP and the FLUX transformer: B * T * (2 * heads * T + 4 * ffn) values, the attention
 *   scores and their softmax for every head plus the MLP's hidden layer and a few residual-width
 *   tensors (T tokens: 512 for T5, 77 for CLIP, image tokens + 512 for FLUX).
 * - VAE encoder and decoder: B * H * W * ch * ch_mult[0] * 24 values: the 3x3 convolutions at full
 *   resolution unfold their input nine-fold (im2col) beside a dozen other live full-resolution
 *   maps; for the FLUX VAE at a 1024x512 diptych that is about 6.4 GB, what a decode takes.
 * ONNX Runtime's CPU arena keeps a session's activation memory after a run, so a loaded component
 * is counted with its activations even when idle.
 */
import { Flux } from "../models/flux/model.js";
import { FLUX_STAGES, stageParams, type FluxStage } from "../models/flux/stages.js";
import type { FluxParams } from "../models/flux/params.js";
import { AutoEncoder, vaeParameters } from "../models/vae/model.js";
import type { VaeParams } from "../models/vae/params.js";
import { T5EncoderStack } from "../models/t5/model.js";
import type { T5Config } from "../models/t5/config.js";
import { ClipTextTransformer } from "../models/clip/model.js";
import type { ClipTextConfig } from "../models/clip/config.js";
import type { Module, ParamSpec } from "../nn/module.js";
import { numel } from "../tensor.js";
import { isQuantized, linearWeightPaths, nbitsOf } from "./params/convert-tensors.js";
import { defaultFluxKeep } from "./flux/spec.js";
import { isQuantizedPrecision, type Precision, type QuantizedPrecision } from "./precision.js";

/** The components an edit loads, in the order it first needs them. */
export const MODEL_COMPONENTS = ["text_encoder", "text_encoder_2", "vae_encoder", "vae_decoder", "transformer"] as const;
export type ModelComponent = (typeof MODEL_COMPONENTS)[number];
export type ComponentBytes = Readonly<Record<ModelComponent, number>>;

const F32_BYTES = 4;
const SCALE_BYTES = 4;
/** Full-resolution feature maps of ch * ch_mult[0] channels live at once in a VAE run (see above). */
const VAE_LIVE_MAPS = 24;

export interface ModelSizes {
  readonly flux: FluxParams;
  readonly vae: VaeParams;
  readonly t5: T5Config;
  readonly clip: ClipTextConfig;
  readonly t5Length: number;
  readonly clipLength: number;
}

export interface ComponentPrecision {
  /** The precision of the transformer's and T5's linear weights (default f32). */
  readonly precision?: Precision;
  /** Bytes of the transformer's (unmerged) LoRA branches. */
  readonly adapterBytes?: number;
}

/** What the VAE and the transformer work on: the diptych's pixels and the batch of one run. */
export interface WorkSize {
  readonly width: number;
  readonly height: number;
  /** Samples per transformer run (noise selection batches its candidates). */
  readonly batch: number;
  /** Images per VAE decoder run (noise selection decodes previews in batches). */
  readonly decodeBatch: number;
}

/** ICEdit's default work: a square source at width 512, so a 1024x512 diptych, one sample. */
export const DEFAULT_WORK: WorkSize = { width: 1024, height: 512, batch: 1, decodeBatch: 1 };

/** Bytes per weight of a MatMulNBits layer: the codes and one float32 scale per block. */
export function nbitsBytesPerWeight(precision: QuantizedPrecision): number {
  return nbitsOf(precision.kind) / 8 + SCALE_BYTES / precision.blockSize;
}

/** Bytes of `specs` of `model` as loaded: packed when quantized (and not in a layer kept in float), else float32. */
export function parameterBytes(
  model: Module,
  specs: readonly ParamSpec[],
  precision?: Precision,
  keep?: (linearPath: string) => boolean,
): number {
  const quantized = isQuantizedPrecision(precision) ? precision : null;
  const linear = quantized ? linearWeightPaths(model) : new Set<string>();
  let bytes = 0;
  for (const spec of specs) {
    bytes +=
      quantized && isQuantized(spec.path, linear, keep)
        ? numel(spec.shape) * nbitsBytesPerWeight(quantized)
        : numel(spec.shape) * F32_BYTES;
  }
  return bytes;
}

export function weightBytes(sizes: ModelSizes, loaded: ComponentPrecision = {}): ComponentBytes {
  const clip = new ClipTextTransformer(sizes.clip);
  const t5 = new T5EncoderStack(sizes.t5);
  const vae = new AutoEncoder(sizes.vae);
  const flux = new Flux(sizes.flux);
  return {
    text_encoder: parameterBytes(clip, clip.parameters()),
    text_encoder_2: parameterBytes(t5, t5.parameters(), loaded.precision),
    vae_encoder: parameterBytes(vae, vaeParameters(vae, { encoder: true, decoder: false })),
    vae_decoder: parameterBytes(vae, vaeParameters(vae, { encoder: false, decoder: true })),
    transformer: parameterBytes(flux, flux.parameters(), loaded.precision, defaultFluxKeep) + (loaded.adapterBytes ?? 0),
  };
}

/** Attention scores and softmax of every head, the MLP's hidden layer and residual-width tensors. */
function sequenceActivationBytes(batch: number, tokens: number, heads: number, ffn: number): number {
  return F32_BYTES * batch * tokens * (2 * heads * tokens + 4 * ffn);
}

function vaeActivationBytes(vae: VaeParams, work: WorkSize, batch: number): number {
  return F32_BYTES * batch * work.width * work.height * vae.ch * (vae.chMult[0] ?? 1) * VAE_LIVE_MAPS;
}

export function activationBytes(sizes: ModelSizes, work: WorkSize): ComponentBytes {
  const { flux, t5, clip } = sizes;
  const imageTokens = Math.ceil(work.width / 16) * Math.ceil(work.height / 16);
  return {
    text_encoder: sequenceActivationBytes(1, sizes.clipLength, clip.numHeads, clip.intermediateSize),
    text_encoder_2: sequenceActivationBytes(1, sizes.t5Length, t5.numHeads, t5.dFf),
    vae_encoder: vaeActivationBytes(sizes.vae, work, 1),
    vae_decoder: vaeActivationBytes(sizes.vae, work, work.decodeBatch),
    transformer: sequenceActivationBytes(work.batch, imageTokens + sizes.t5Length, flux.numHeads, flux.hiddenSize * flux.mlpRatio),
  };
}

/** Weights plus activations, per component. */
export function componentEstimates(weights: ComponentBytes, activations: ComponentBytes): ComponentBytes {
  const total = (c: ModelComponent): number => Math.round(weights[c] + activations[c]);
  return {
    text_encoder: total("text_encoder"),
    text_encoder_2: total("text_encoder_2"),
    vae_encoder: total("vae_encoder"),
    vae_decoder: total("vae_decoder"),
    transformer: total("transformer"),
  };
}

export function totalBytes(bytes: ComponentBytes): number {
  return MODEL_COMPONENTS.reduce((sum, c) => sum + bytes[c], 0);
}

/** The session pool's name of a transformer stage (step caching's graphs). */
export function stageEntryName(stage: FluxStage): string {
  return `transformer_${stage}`;
}

/**
 * Each transformer stage's cost: its weights (adapter branches shared out by weight) plus, for
 * the stages with blocks, the transformer's activations, and for the others a few residual-width
 * tensors.
 */
export function fluxStageBytes(sizes: ModelSizes, loaded: ComponentPrecision, work: WorkSize): Record<FluxStage, number> {
  const flux = new Flux(sizes.flux);
  const all = parameterBytes(flux, flux.parameters(), loaded.precision, defaultFluxKeep);
  const blocks = activationBytes(sizes, work).transformer;
  const imageTokens = Math.ceil(work.width / 16) * Math.ceil(work.height / 16);
  const streams = F32_BYTES * work.batch * (imageTokens + sizes.t5Length) * sizes.flux.hiddenSize * 4;
  const out = {} as Record<FluxStage, number>;
  for (const stage of FLUX_STAGES) {
    const weights = parameterBytes(flux, stageParams(flux, stage), loaded.precision, defaultFluxKeep);
    const share = all > 0 ? (loaded.adapterBytes ?? 0) * (weights / all) : 0;
    out[stage] = Math.round(weights + share + (stage === "first" || stage === "rest" ? blocks : streams));
  }
  return out;
}
