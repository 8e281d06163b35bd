/**
 * The options of `train()`: ICEdit's defaults, the checks (each error names the option and what it
 * takes), and on --resume the checkpoint's settings as the defaults of anything not given.
 */
import { resolve } from "node:path";
import type { AdapterDtype, CheckpointState, JsonValue, LoopSettings, TrainEvent } from "../train/loop/index.js";
import { ADAPTER_DTYPES, checkLoopSettings, TrainOptionError } from "../train/loop/index.js";
import { DEFAULT_MODEL } from "./open-model.js";
import type { AdapterKind, AdapterSettings, TrainingRunFactory, TrainQuant } from "./training-run.js";
import { LORA_TARGET_SETS, type LoraTargetSet } from "../weights/lora/icedit-modules.js";

export const ADAPTER_KINDS: readonly AdapterKind[] = ["lora", "moe"];
export const TRAIN_OPTIMIZERS = ["prodigy", "adamw"] as const;
export type TrainOptimizer = (typeof TRAIN_OPTIMIZERS)[number];
export const TRAIN_QUANTS: readonly TrainQuant[] = ["f32", "int8", "int4"];

/** ICEdit's training settings (spec §3: Prodigy lr 1, weight decay 0.01, clip 0.5, seed 666, MoE 4x32 top-1, 512 px). */
export const TRAIN_DEFAULTS = {
  model: DEFAULT_MODEL,
  adapter: "moe" as AdapterKind,
  rank: 32,
  experts: 4,
  topK: 1,
  targets: "icedit" as LoraTargetSet,
  optimizer: "prodigy" as TrainOptimizer,
  lr: { prodigy: 1, adamw: 1e-4 },
  weightDecay: 0.01,
  clip: 0.5,
  /** ICEdit: MoE batch 1 with 2-step accumulation, the plain LoRA batch 2. */
  batch: { moe: 1, lora: 2 },
  gradAccum: { moe: 2, lora: 1 },
  size: 512,
  seed: 666,
  quant: "f32" as TrainQuant,
  saveEvery: 500,
  keepCheckpoints: 2,
  textDropout: 0.1,
  /** t = sigmoid(logitMean + logitStd randn): ICEdit's sigmoid(randn). */
  logitMean: 0,
  logitStd: 1,
  /** A constant lr (ICEdit's). */
  lrDecaySteps: 0,
  adapterDtype: "f32" as AdapterDtype,
} as const;

export interface TrainOptions {
  /** Output folder (checkpoints, log.jsonl, loss.png, adapter.safetensors); default with `resume`: that folder. */
  readonly out?: string;
  /** Data sets (metadata.jsonl folders, parquet shards); default with `resume`: the checkpoint's. */
  readonly data?: readonly string[];
  readonly model?: string;
  readonly adapter?: AdapterKind;
  readonly rank?: number;
  /** Default: the rank (scaling 1). */
  readonly alpha?: number;
  readonly experts?: number;
  readonly topK?: number;
  readonly targets?: string;
  readonly initAdapter?: string;
  readonly optimizer?: TrainOptimizer;
  readonly lr?: number;
  readonly weightDecay?: number;
  readonly clip?: number;
  readonly batch?: number;
  readonly gradAccum?: number;
  /** Optimizer steps of the whole run; required unless resuming. */
  readonly steps?: number;
  /** Decay the lr linearly over the run's last N steps, towards 0 (default 0: constant). */
  readonly lrDecaySteps?: number;
  readonly size?: number;
  readonly seed?: number;
  readonly quant?: TrainQuant;
  /**
   * Recompute each transformer block's forward in the backward pass (default true): memory of one
   * block's activations instead of all of them, for about 1.5x the time. The numbers are the same.
   */
  readonly checkpointing?: boolean;
  readonly saveEvery?: number;
  readonly keepCheckpoints?: number;
  /** The finished adapter file's dtype: f32 (default) or bf16 (half the size; checkpoints stay f32). */
  readonly adapterDtype?: string;
  readonly sampleEvery?: number;
  readonly sampleInstruction?: string;
  readonly textDropout?: number;
  /** The flow time's logit-normal distribution, t = sigmoid(logitMean + logitStd randn); default 0 and 1 (ICEdit's). */
  readonly logitMean?: number;
  readonly logitStd?: number;
  /** Resume the run whose output folder this is, from its newest complete checkpoint. */
  readonly resume?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
  /** Opens the model, data and training step; default openTrainingRun. */
  readonly openRun?: TrainingRunFactory;
}

/** Every setting of a run, checked and with defaults filled in. */
export interface TrainSettings {
  readonly out: string;
  readonly data: readonly string[];
  readonly model: string;
  readonly adapter: AdapterSettings;
  readonly quant: TrainQuant;
  readonly checkpointing: boolean;
  readonly size: number;
  readonly loop: LoopSettings;
}

type Given = Omit<TrainOptions, "signal" | "onEvent" | "openRun" | "checkpointing">;

const isRecord = (v: JsonValue | undefined): v is { readonly [key: string]: JsonValue } =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: JsonValue | undefined): number | undefined => (typeof v === "number" ? v : undefined);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);

/** The options a checkpoint was trained with, as defaults for resuming it. */
function checkpointDefaults(state: CheckpointState): Given {
  const c = state.config;
  const s = state.schedule;
  const adapter = isRecord(c["adapter"]) ? c["adapter"] : {};
  const optimizer = isRecord(c["optimizer"]) ? c["optimizer"] : {};
  const kwargs = isRecord(optimizer["settings"]) ? optimizer["settings"] : {};
  const data = Array.isArray(s["data"]) ? s["data"].filter((d): d is string => typeof d === "string") : undefined;
  return {
    data,
    model: str(s["model"]),
    initAdapter: str(s["initAdapter"]),
    steps: num(s["steps"]),
    lrDecaySteps: num(s["lrDecaySteps"]),
    saveEvery: num(s["saveEvery"]),
    keepCheckpoints: num(s["keepCheckpoints"]),
    adapterDtype: str(s["adapterDtype"]),
    sampleEvery: num(s["sampleEvery"]),
    sampleInstruction: str(s["sampleInstruction"]),
    adapter: str(adapter["kind"]) as AdapterKind | undefined,
    rank: num(adapter["rank"]),
    alpha: num(adapter["alpha"]),
    experts: num(adapter["experts"]),
    topK: num(adapter["topK"]),
    targets: str(adapter["targets"]),
    optimizer: str(optimizer["kind"]) as TrainOptimizer | undefined,
    lr: num(kwargs["lr"]),
    weightDecay: num(kwargs["weight_decay"]),
    clip: num(c["clip"]),
    batch: num(c["batch"]),
    gradAccum: num(c["gradAccum"]),
    size: num(c["size"]),
    seed: num(c["seed"]),
    quant: str(c["quant"]) as TrainQuant | undefined,
    textDropout: num(c["textDropout"]),
    logitMean: num(c["logitMean"]),
    logitStd: num(c["logitStd"]),
  };
}

/** `given` over `fallback`, field by field (an undefined field does not hide the fallback's). */
function over(given: Given, fallback: Given): Given {
  const out: Record<string, unknown> = { ...fallback };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out as Given;
}

function wholeNumber(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new TrainOptionError(option, `must be a whole number ${range}, got ${value}`);
  }
  return value;
}

function positive(option: string, value: number, orZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!orZero && value === 0)) {
    throw new TrainOptionError(option, `must be a finite number ${orZero ? ">= 0" : "> 0"}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new TrainOptionError(option, `must be one of ${choices.join(", ")}, got "${value}"`);
  return value as T;
}

/** The torch keyword arguments of the optimizer (ICEdit's Prodigy: bias correction and safeguard warm-up on). */
function optimizerSettings(kind: TrainOptimizer, lr: number, weightDecay: number): Record<string, number | boolean> {
  return kind === "prodigy"
    ? { lr, weight_decay: weightDecay, use_bias_correction: true, safeguard_warmup: true }
    : { lr, weight_decay: weightDecay };
}

/** Checks `options` and fills in defaults: the checkpoint's when resuming, then ICEdit's. */
export function resolveTrainOptions(options: TrainOptions, checkpoint: CheckpointState | null): TrainSettings {
  const { signal: _s, onEvent: _e, openRun: _o, ...given } = options;
  const o = checkpoint ? over(given, checkpointDefaults(checkpoint)) : given;
  const d = TRAIN_DEFAULTS;
  const outText = o.out ?? o.resume;
  if (!outText?.trim()) throw new TrainOptionError("out", "is required: the folder for checkpoints, the log and the adapter");
  const data = o.data ?? [];
  if (data.length === 0 || data.some((p) => typeof p !== "string" || !p.trim())) {
    throw new TrainOptionError("data", "needs at least one data set: a folder with metadata.jsonl, a parquet shard or a folder of shards");
  }
  const kind = oneOf("adapter", o.adapter ?? d.adapter, ADAPTER_KINDS);
  if (kind === "lora") {
    for (const key of ["experts", "topK"] as const) {
      if (given[key] !== undefined) throw new TrainOptionError(key, `applies to adapter "moe" only (the adapter is "lora")`);
    }
  }
  const rank = wholeNumber("rank", o.rank ?? d.rank, 1);
  const experts = kind === "moe" ? wholeNumber("experts", o.experts ?? d.experts, 1) : 1;
  const adapter: AdapterSettings = {
    kind,
    rank,
    alpha: positive("alpha", o.alpha ?? rank),
    experts,
    topK: kind === "moe" ? wholeNumber("topK", o.topK ?? d.topK, 1, experts) : 1,
    targets: oneOf("targets", o.targets ?? d.targets, LORA_TARGET_SETS),
    initAdapter: o.initAdapter?.trim() ? o.initAdapter : null,
  };
  const optimizer = oneOf("optimizer", o.optimizer ?? d.optimizer, TRAIN_OPTIMIZERS);
  const lr = positive("lr", o.lr ?? d.lr[optimizer]);
  const weightDecay = positive("weightDecay", o.weightDecay ?? d.weightDecay, true);
  if (o.steps === undefined) throw new TrainOptionError("steps", "is required: the number of optimizer steps to train");
  const size = wholeNumber("size", o.size ?? d.size, 16);
  if (size % 16 !== 0)
    throw new TrainOptionError("size", `must be a multiple of 16, got ${size} (try ${Math.max(16, Math.round(size / 16) * 16)})`);
  const sampleEvery = o.sampleEvery ?? null;
  const sampleInstruction = o.sampleInstruction ?? null;
  if (sampleInstruction !== null && sampleEvery === null)
    throw new TrainOptionError("sampleInstruction", "needs sampleEvery: how often to run the sample edit");
  const loop: LoopSettings = {
    seed: o.seed ?? d.seed,
    batch: o.batch ?? d.batch[kind],
    gradAccum: o.gradAccum ?? d.gradAccum[kind],
    clip: o.clip ?? d.clip,
    textDropout: o.textDropout ?? d.textDropout,
    time: { logitMean: o.logitMean ?? d.logitMean, logitStd: o.logitStd ?? d.logitStd },
    steps: o.steps,
    lrDecaySteps: o.lrDecaySteps ?? d.lrDecaySteps,
    saveEvery: o.saveEvery ?? d.saveEvery,
    keepCheckpoints: o.keepCheckpoints ?? d.keepCheckpoints,
    sampleEvery,
    sampleInstruction,
    optimizer: { kind: optimizer, settings: optimizerSettings(optimizer, lr, weightDecay) },
    adapterDtype: oneOf("adapterDtype", o.adapterDtype ?? d.adapterDtype, ADAPTER_DTYPES),
  };
  return {
    out: resolve(outText),
    data: data.map((p) => resolve(p)),
    model: o.model ?? d.model,
    adapter,
    quant: oneOf("quant", o.quant ?? d.quant, TRAIN_QUANTS),
    checkpointing: options.checkpointing ?? true,
    size,
    loop: checkLoopSettings(loop),
  };
}
