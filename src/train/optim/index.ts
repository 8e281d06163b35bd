/** The host-side optimizer layer of `icedit train`: AdamW, Prodigy, clipping by total norm, gradient accumulation. */
export { AdamW, ADAMW_DEFAULTS, type AdamWOptions, type AdamWState, type AdamWTensorState } from "./adamw.js";
export { Prodigy, PRODIGY_DEFAULTS, prodigyStepSize, type ProdigyOptions, type ProdigyState, type ProdigyTensorState } from "./prodigy.js";
export { clipGradNorm, totalGradNorm, CLIP_NORM_EPS } from "./clip.js";
export { GradientAccumulator } from "./accumulate.js";
export { flattenOptimizerState, unflattenOptimizerState, OPTIMIZER_METADATA_KEY, type FlatOptimizerState } from "./checkpoint.js";
export { createOptimizer, optimizerFromState, type Optimizer, type OptimizerKind, type OptimizerState } from "./create.js";
export type { Params, Grads, GradTensor } from "./tensors.js";
export * from "./errors.js";
