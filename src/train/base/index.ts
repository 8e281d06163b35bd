/** Full-parameter (from scratch) training of the FLUX Fill transformer as an in-painting model. */
export { BaseTrainingError } from "./errors.js";
export { buildBaseTrainingGraph, type BaseTrainingGraphOptions } from "./graph.js";
export { initialBaseWeights } from "./init.js";
export { InputParamBinder } from "../params/input-binder.js";
export { BaseTrainingStep, type BaseTrainingStepOptions, type BaseTrainingStepResult } from "./training-step.js";
export { BASE_WEIGHTS_KIND, baseWeightsMetadata } from "./metadata.js";
