/** A base training step as the training loop's LossAndGrads: a micro-batch on a latent grid -> loss and every weight's gradient. */
import type { LossAndGrads } from "../loop/types.js";
import { trainingInputsOf, type LatentGrid } from "../step/batch-inputs.js";
import type { BaseTrainingStep } from "./training-step.js";

export function baseLossAndGrads(step: BaseTrainingStep, grid: LatentGrid): LossAndGrads {
  return async (batch, weights) => {
    const result = await step.run(trainingInputsOf(batch, grid), weights);
    return { loss: result.loss, grads: result.grads };
  };
}
