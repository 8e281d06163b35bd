/**
 * The loop's settings, checked once: batch shape, clipping, text dropout, schedule of checkpoints
 * and samples, and the optimizer with its torch-style settings. Which of them a resumed run must
 * share with its checkpoint is decided here too (everything that changes the numbers).
 */
import type { OptimizerKind } from "../optim/index.js";
import { TrainOptionError } from "./errors.js";
import { ICEDIT_TIME_DISTRIBUTION, type TimeDistribution } from "./random.js";

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface OptimizerChoice {
  readonly kind: OptimizerKind;
  /** torch keyword arguments, e.g. { lr: 1, weight_decay: 0.01, use_bias_correction: true }. */
  readonly settings: Readonly<Record<string, number | boolean>>;
}

/** The dtypes the finished adapter can be written in (checkpoints are always f32, so a resume is exact). */
export const ADAPTER_DTYPES = ["f32", "bf16"] as const;
export type AdapterDtype = (typeof ADAPTER_DTYPES)[number];

export interface LoopSettings {
  readonly seed: number;
  /** Examples per micro-batch. */
  readonly batch: number;
  /** Micro-batches per optimizer step (their gradients are averaged). */
  readonly gradAccum: number;
  /** Max total gradient norm (torch clip_grad_norm_). */
  readonly clip: number;
  /** Probability of replacing an example's prompt by the empty prompt. */
  readonly textDropout: number;
  /** How t is drawn (ICEdit: sigmoid(randn)). */
  readonly time: TimeDistribution;
  /** Optimizer steps of the whole run (a resumed run continues up to it). */
  readonly steps: number;
  /** The lr decays linearly over the last this many steps (0: constant; lr-schedule.ts). */
  readonly lrDecaySteps: number;
  /** A checkpoint every N steps (and at the end). */
  readonly saveEvery: number;
  /** Checkpoints kept in the output folder (the newest ones). */
  readonly keepCheckpoints: number;
  /** A sample edit every N steps, or null. */
  readonly sampleEvery: number | null;
  readonly sampleInstruction: string | null;
  readonly optimizer: OptimizerChoice;
  /** The dtype of the finished adapter file: bf16 (as ICEdit's released adapters) halves it. */
  readonly adapterDtype: AdapterDtype;
}

function wholeNumber(option: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new TrainOptionError(option, `must be a whole number >= ${min}, got ${value}`);
}

/** Throws TrainOptionError naming the first setting out of range. */
export function checkLoopSettings(s: LoopSettings): LoopSettings {
  if (!Number.isSafeInteger(s.seed)) throw new TrainOptionError("seed", `must be a whole number, got ${s.seed}`);
  wholeNumber("batch", s.batch, 1);
  wholeNumber("gradAccum", s.gradAccum, 1);
  wholeNumber("steps", s.steps, 1);
  wholeNumber("lrDecaySteps", s.lrDecaySteps, 0);
  if (s.lrDecaySteps > s.steps) {
    throw new TrainOptionError("lrDecaySteps", `must be at most the run's ${s.steps} steps, got ${s.lrDecaySteps}`);
  }
  wholeNumber("saveEvery", s.saveEvery, 1);
  wholeNumber("keepCheckpoints", s.keepCheckpoints, 1);
  if (!(s.clip > 0) || !Number.isFinite(s.clip)) throw new TrainOptionError("clip", `must be a finite number > 0, got ${s.clip}`);
  if (!(s.textDropout >= 0 && s.textDropout <= 1)) {
    throw new TrainOptionError("textDropout", `must be a probability from 0 to 1, got ${s.textDropout}`);
  }
  if (!Number.isFinite(s.time.logitMean)) {
    throw new TrainOptionError("logitMean", `must be a finite number, got ${s.time.logitMean}`);
  }
  if (!(s.time.logitStd > 0) || !Number.isFinite(s.time.logitStd)) {
    throw new TrainOptionError("logitStd", `must be a finite number > 0, got ${s.time.logitStd}`);
  }
  if (!(ADAPTER_DTYPES as readonly string[]).includes(s.adapterDtype)) {
    throw new TrainOptionError("adapterDtype", `must be one of ${ADAPTER_DTYPES.join(", ")}, got "${s.adapterDtype}"`);
  }
  if (s.sampleEvery !== null) {
    wholeNumber("sampleEvery", s.sampleEvery, 1);
    if (!s.sampleInstruction?.trim()) {
      throw new TrainOptionError("sampleInstruction", "is needed with sampleEvery: the edit to run with the adapter being trained");
    }
  }
  return s;
}

function isIceditTime(time: TimeDistribution): boolean {
  return time.logitMean === ICEDIT_TIME_DISTRIBUTION.logitMean && time.logitStd === ICEDIT_TIME_DISTRIBUTION.logitStd;
}

/**
 * The settings that change a run's numbers: a resumed run must have the same. Steps and the
 * schedules may differ; the lr schedule only where it gives the steps already run the same lr
 * (start-checks.ts).
 */
export function numericSettings(s: LoopSettings): Record<string, JsonValue> {
  return {
    seed: s.seed,
    batch: s.batch,
    gradAccum: s.gradAccum,
    clip: s.clip,
    textDropout: s.textDropout,
    // Only when not ICEdit's: checkpoints written before the setting existed still resume.
    ...(isIceditTime(s.time) ? {} : { logitMean: s.time.logitMean, logitStd: s.time.logitStd }),
    optimizer: { kind: s.optimizer.kind, settings: { ...s.optimizer.settings } },
  };
}

const canonical = (v: JsonValue | undefined): string =>
  JSON.stringify(v ?? null, (_k, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );

/** One line per top-level field that differs: "optimizer: the checkpoint has {...}, this run {...}". */
export function configDifferences(saved: Readonly<Record<string, JsonValue>>, now: Readonly<Record<string, JsonValue>>): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  return keys
    .filter((k) => canonical(saved[k]) !== canonical(now[k]))
    .map((k) => `${k}: the checkpoint has ${canonical(saved[k])}, this run ${canonical(now[k])}`);
}
