/**
 * A training loop's micro-batch (x0, conditioning, text, t and noise per example) as the inputs of
 * TrainingStep.run: the RoPE ids of the packed latent grid (ICEdit's diptych, or Kontext's target
 * and its condition's grid at index 1, as inference places one reference) and of the text tokens added.
 */
import { InvalidArgumentError } from "../../errors.js";
import { imageIds, textIds } from "../../models/flux/inputs.js";
import { DEFAULT_REFERENCE_PLACEMENT, referenceIds, type TokenGrid } from "../../pipelines/kontext/references.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { AdapterParams, LossAndGrads, StepBatch } from "../loop/types.js";
import type { TrainingInputs } from "./host-inputs.js";

/** The packed latent grid of the noisy tokens: rows x cols tokens (a 512x1024 diptych: 32 x 64). */
export interface LatentGrid {
  readonly rows: number;
  readonly cols: number;
  /** Kontext: the grid of the condition tokens (the source image) that follow the noisy ones; absent: Fill's channel-wise conditioning. */
  readonly condition?: TokenGrid;
}

export function trainingInputsOf(batch: StepBatch, grid: LatentGrid): TrainingInputs {
  const [size, tokens] = batch.x0.dims as [number, number];
  if (grid.rows * grid.cols !== tokens) {
    throw new InvalidArgumentError(`a ${grid.rows}x${grid.cols} latent grid has ${grid.rows * grid.cols} tokens, the batch ${tokens}`);
  }
  const { condition } = grid;
  if (condition && condition.rows * condition.cols !== batch.imgCond.dims[1]) {
    throw new InvalidArgumentError(
      `a ${condition.rows}x${condition.cols} condition grid has ${condition.rows * condition.cols} tokens, the batch ${batch.imgCond.dims[1]}`,
    );
  }
  return {
    ...(condition ? { imgCondIds: referenceIds(size, [condition], DEFAULT_REFERENCE_PLACEMENT) } : {}),
    x0: batch.x0,
    imgCond: batch.imgCond,
    txt: batch.txt,
    y: batch.y,
    imgIds: imageIds(size, grid.rows, grid.cols),
    txtIds: textIds(size, batch.txt.dims[1] as number),
    t: tensor("f32", [size], batch.t),
    noise: batch.noise,
  };
}

/** What a training step returns that the loop uses. */
interface StepRunner {
  run(inputs: TrainingInputs, params: AdapterParams): Promise<{ readonly loss: number; readonly grads: Map<string, Tensor<"f32">> }>;
}

/** A training step (adapter or full-parameter) as the loop's LossAndGrads: a micro-batch on a latent grid -> loss and gradients. */
export function lossAndGradsOf(step: StepRunner, grid: LatentGrid): LossAndGrads {
  return async (batch, params) => {
    const result = await step.run(trainingInputsOf(batch, grid), params);
    return { loss: result.loss, grads: result.grads };
  };
}
