/**
 * state.json of a checkpoint: where the run is (step, epoch, position in the data order), the
 * run's configuration, the adapter's tensor shapes and the loss history. With the adapter and the
 * optimizer state it is everything a resumed run needs; the random draws are pure functions of
 * the seed and the step (random.ts), so no generator state is stored.
 */
import { CheckpointError } from "./errors.js";
import type { JsonValue } from "./settings.js";

export const CHECKPOINT_FORMAT = "icedit-train-checkpoint";
export const CHECKPOINT_VERSION = 1;

export interface LossHistory {
  /** Loss of every step so far (index 0: step 1). */
  readonly loss: number[];
  /** Total gradient norm before clipping of every step. */
  readonly gradNorm: number[];
}

export interface CheckpointState {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  /** Optimizer steps done. */
  readonly step: number;
  /** The epoch the next example belongs to. */
  readonly epoch: number;
  /** Examples taken from the data order so far. */
  readonly position: number;
  /** What the run's numbers depend on (compared on resume). */
  readonly config: Readonly<Record<string, JsonValue>>;
  /** The schedule-only settings of the run that wrote it (steps, saveEvery, ...): defaults for a resume. */
  readonly schedule: Readonly<Record<string, JsonValue>>;
  /** Adapter key -> dims. */
  readonly adapter: Readonly<Record<string, readonly number[]>>;
  readonly history: LossHistory;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");

/** Parses and checks state.json; `file` names it in errors. */
export function parseCheckpointState(text: string, file: string): CheckpointState {
  const damaged = (what: string): CheckpointError => new CheckpointError(`${file} ${what}: the checkpoint is damaged`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged("is not valid JSON");
  }
  if (!isRecord(json) || json["format"] !== CHECKPOINT_FORMAT) throw damaged(`is not an ${CHECKPOINT_FORMAT} state`);
  if (json["version"] !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${file} has version ${String(json["version"])}; this icedit reads version ${CHECKPOINT_VERSION}`);
  }
  const { step, epoch, position, config, schedule, adapter, history } = json;
  if (!isCount(step) || !isCount(epoch) || !isCount(position)) throw damaged("lacks step, epoch or position");
  if (!isRecord(config) || !isRecord(schedule)) throw damaged("lacks the run's config");
  if (!isRecord(adapter) || !Object.values(adapter).every(isNumberList)) throw damaged("lacks the adapter's shapes");
  if (!isRecord(history) || !isNumberList(history["loss"]) || !isNumberList(history["gradNorm"])) throw damaged("lacks the loss history");
  if (history["loss"].length !== step || history["gradNorm"].length !== step)
    throw damaged(`has a loss history that is not ${step} steps long`);
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    step,
    epoch,
    position,
    config: config as Record<string, JsonValue>,
    schedule: schedule as Record<string, JsonValue>,
    adapter: adapter as Record<string, number[]>,
    history: { loss: history["loss"], gradNorm: history["gradNorm"] },
  };
}
