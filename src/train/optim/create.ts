/**
 * Optimizers by name with torch-style keyword arguments (the `optimizer.params` of a training
 * config, e.g. ICEdit's `{lr: 1, use_bias_correction: true, ...}`), and resuming from any saved state.
 */
import { AdamW, type AdamWOptions, type AdamWState } from "./adamw.js";
import { HyperParameterError } from "./errors.js";
import { Prodigy, type ProdigyOptions, type ProdigyState } from "./prodigy.js";
import type { Params } from "./tensors.js";

export type Optimizer = AdamW | Prodigy;
export type OptimizerState = AdamWState | ProdigyState;
export type OptimizerKind = Optimizer["kind"];

const ADAMW_KEYS: Readonly<Record<string, keyof AdamWOptions>> = { lr: "lr", betas: "betas", eps: "eps", weight_decay: "weightDecay" };

const PRODIGY_KEYS: Readonly<Record<string, keyof ProdigyOptions>> = {
  lr: "lr",
  betas: "betas",
  beta3: "beta3",
  eps: "eps",
  weight_decay: "weightDecay",
  decouple: "decouple",
  use_bias_correction: "useBiasCorrection",
  safeguard_warmup: "safeguardWarmup",
  d0: "d0",
  d_coef: "dCoef",
  growth_rate: "growthRate",
  slice_p: "sliceP",
};

function translate<T>(optimizer: string, keys: Readonly<Record<string, keyof T>>, kwargs: Readonly<Record<string, unknown>>): Partial<T> {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const field = keys[key];
    if (field === undefined) {
      throw new HyperParameterError(`unknown ${optimizer} setting '${key}': expected one of ${Object.keys(keys).join(", ")}`);
    }
    out[field] = value;
  }
  return out as Partial<T>;
}

/** `kind` is "adamw" or "prodigy" (any case); unknown settings are refused, values are range-checked. */
export function createOptimizer(kind: string, params: Params, kwargs: Readonly<Record<string, unknown>> = {}): Optimizer {
  switch (kind.toLowerCase()) {
    case "adamw":
      return new AdamW(params, translate<AdamWOptions>("AdamW", ADAMW_KEYS, kwargs));
    case "prodigy":
      return new Prodigy(params, translate<ProdigyOptions>("Prodigy", PRODIGY_KEYS, kwargs));
    default:
      throw new HyperParameterError(`unknown optimizer '${kind}': use adamw or prodigy`);
  }
}

/** Resumes whichever optimizer saved `state`. */
export function optimizerFromState(params: Params, state: OptimizerState): Optimizer {
  return state.kind === "adamw" ? AdamW.fromState(params, state) : Prodigy.fromState(params, state);
}
