/**
 * A training loop's micro-batch (x0, conditioning, text, t and noise per example) as the inputs of
 * TrainingStep.run: the RoPE ids of the diptych's packed latent grid and of the text tokens added.
 */
import { InvalidArgumentError } from "../../errors.js";
import { imageIds, textIds } from "../../models/flux/inputs.js";
import { tensor } from "../../tensor.js";
import type { StepBatch } from "../loop/types.js";
import type { TrainingInputs } from "./host-inputs.js";

/** The packed latent grid of the diptych: rows x cols tokens (a 512x1024 diptych: 32 x 64). */
export interface LatentGrid {
  readonly rows: number;
  readonly cols: number;
}

export function trainingInputsOf(batch: StepBatch, grid: LatentGrid): TrainingInputs {
  const [size, tokens] = batch.x0.dims as [number, number];
  if (grid.rows * grid.cols !== tokens) {
    throw new InvalidArgumentError(`a ${grid.rows}x${grid.cols} latent grid has ${grid.rows * grid.cols} tokens, the batch ${tokens}`);
  }
  return {
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
