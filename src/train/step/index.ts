/** ICEdit's training step as one ONNX graph: forward, flow-matching loss and adapter gradients. */
export { buildTrainingGraph, gradOutput, LOSS_OUTPUT, PRED_OUTPUT, TARGET_INPUT } from "./graph.js";
export { noisedInputs, type TrainingInputs } from "./host-inputs.js";
export { TrainingStep, type TrainingStepOptions, type TrainingStepResult } from "./training-step.js";
export { lossAndGradsOf, trainingInputsOf, type LatentGrid } from "./batch-inputs.js";
