/**
 * An optimizer state as a checkpoint stores it: float32 tensors named `optimizer.<field>.<parameter>`
 * (exp_avg, exp_avg_sq, and Prodigy's s and p0) plus one JSON string of scalars and settings under
 * `icedit.optimizer`, ready for a safetensors file's tensors and metadata. Infinity (Prodigy's
 * default growth_rate) is written as "inf", which JSON cannot hold. No file IO here.
 */
import type { Tensor } from "../../tensor.js";
import type { AdamWState, AdamWTensorState } from "./adamw.js";
import type { OptimizerState } from "./create.js";
import { OptimizerStateError } from "./errors.js";
import type { ProdigyState, ProdigyTensorState } from "./prodigy.js";

export const OPTIMIZER_METADATA_KEY = "icedit.optimizer";

export interface FlatOptimizerState {
  readonly tensors: Map<string, Tensor<"f32">>;
  readonly metadata: Record<string, string>;
}

type Buffers = Record<string, Float32Array | null>;

const buffersOf = (s: AdamWTensorState | ProdigyTensorState): Buffers =>
  "p0" in s ? { exp_avg: s.expAvg, exp_avg_sq: s.expAvgSq, s: s.s, p0: s.p0 } : { exp_avg: s.expAvg, exp_avg_sq: s.expAvgSq };

const tensorKey = (field: string, name: string): string => `optimizer.${field}.${name}`;

const encode = (_key: string, value: unknown): unknown => (value === Infinity ? "inf" : value);
const decode = (_key: string, value: unknown): unknown => (value === "inf" ? Infinity : value);

export function flattenOptimizerState(state: OptimizerState): FlatOptimizerState {
  const tensors = new Map<string, Tensor<"f32">>();
  const steps: Record<string, number> = {};
  for (const [name, s] of Object.entries<AdamWTensorState | ProdigyTensorState>(state.tensors)) {
    steps[name] = s.step;
    for (const [field, data] of Object.entries(buffersOf(s))) {
      if (data !== null) tensors.set(tensorKey(field, name), { dtype: "f32", dims: [data.length], data });
    }
  }
  const { tensors: _omitted, ...scalars } = state;
  return { tensors, metadata: { [OPTIMIZER_METADATA_KEY]: JSON.stringify({ ...scalars, steps }, encode) } };
}

function parseMetadata(metadata: Readonly<Record<string, string>>): Record<string, unknown> & { kind?: unknown; steps?: unknown } {
  const text = metadata[OPTIMIZER_METADATA_KEY];
  if (text === undefined) {
    throw new OptimizerStateError(
      `the checkpoint has no ${OPTIMIZER_METADATA_KEY} metadata: it holds no optimizer state; start a new run instead of resuming`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(text, decode);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new OptimizerStateError(`the checkpoint's ${OPTIMIZER_METADATA_KEY} metadata is not a JSON object: the checkpoint is damaged`);
}

/** The inverse of flattenOptimizerState; `AdamW.fromState` / `Prodigy.fromState` then check it against the parameters. */
export function unflattenOptimizerState(tensors: ReadonlyMap<string, Tensor>, metadata: Readonly<Record<string, string>>): OptimizerState {
  const { steps, ...scalars } = parseMetadata(metadata);
  if (scalars.kind !== "adamw" && scalars.kind !== "prodigy") {
    throw new OptimizerStateError(
      `the checkpoint's optimizer is ${String(scalars.kind)}, expected adamw or prodigy: the checkpoint is damaged`,
    );
  }
  if (typeof steps !== "object" || steps === null) {
    throw new OptimizerStateError("the checkpoint's optimizer state lists no tensors: the checkpoint is damaged");
  }
  const buffer = (field: string, name: string): Float32Array => {
    const t = tensors.get(tensorKey(field, name));
    if (t === undefined || t.dtype !== "f32") {
      throw new OptimizerStateError(`the checkpoint lacks the float32 tensor ${tensorKey(field, name)}: the checkpoint is damaged`);
    }
    return t.data as Float32Array;
  };
  const hasExpAvg = tensors.has(tensorKey("exp_avg", Object.keys(steps)[0] ?? ""));
  const perTensor: Record<string, AdamWTensorState | ProdigyTensorState> = {};
  for (const [name, step] of Object.entries(steps as Record<string, number>)) {
    const common = { step, expAvgSq: buffer("exp_avg_sq", name) };
    perTensor[name] =
      scalars.kind === "adamw"
        ? { ...common, expAvg: buffer("exp_avg", name) }
        : { ...common, expAvg: hasExpAvg ? buffer("exp_avg", name) : null, s: buffer("s", name), p0: buffer("p0", name) };
  }
  return { ...scalars, tensors: perTensor } as unknown as AdamWState | ProdigyState;
}
