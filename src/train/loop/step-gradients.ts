/**
 * The gradients of one optimizer step: `gradAccum` micro-batches of `batch` examples in the data
 * order, each with its own draws (text dropout, t, noise), run through the training step; the
 * loss and the gradients are averaged over the micro-batches. A non-finite loss or gradient stops
 * here with the step's number.
 */
import { GradientAccumulator, NonFiniteGradientError } from "../optim/index.js";
import type { Tensor } from "../../tensor.js";
import { assembleBatch } from "./batch.js";
import type { DataCursor } from "./data-order.js";
import { NonFiniteTrainingError, TrainingDataError } from "./errors.js";
import { drawMicroBatch, type TimeDistribution } from "./random.js";
import type { AdapterParams, LossAndGrads, PreparedDataset } from "./types.js";

export interface StepGradients {
  /** Mean of the micro-batch losses. */
  readonly loss: number;
  /** Mean of the micro-batch gradients (float64 sums). */
  readonly grads: Map<string, Tensor<"f64">>;
  /** Every example's t, micro-batch by micro-batch. */
  readonly t: number[];
}

export interface StepContext {
  readonly dataset: PreparedDataset;
  readonly lossAndGrads: LossAndGrads;
  readonly params: AdapterParams;
  readonly cursor: DataCursor;
  readonly seed: number;
  readonly batch: number;
  readonly gradAccum: number;
  readonly textDropout: number;
  readonly time: TimeDistribution;
  /** Named in the error when the step diverges. */
  readonly lastCheckpoint: string | null;
}

/** Runs the micro-batches of step `step` (1-based). */
export async function stepGradients(ctx: StepContext, step: number): Promise<StepGradients> {
  const accumulator = new GradientAccumulator(ctx.gradAccum);
  const t: number[] = [];
  let lossSum = 0;
  for (let micro = 0; micro < ctx.gradAccum; micro++) {
    const examples = await Promise.all(ctx.cursor.take(ctx.batch).map((i) => ctx.dataset.get(i)));
    const first = examples[0];
    if (!first || first.x0.dims.length !== 2) {
      throw new TrainingDataError(`x0 of ${first?.origin ?? "the first example"} must be [L, 64]`);
    }
    const noiseDims: [number, number, number] = [ctx.batch, first.x0.dims[0] as number, first.x0.dims[1] as number];
    const draws = drawMicroBatch(ctx.seed, step, micro, noiseDims, ctx.textDropout, ctx.time);
    const batch = assembleBatch(examples, draws, ctx.dataset.emptyPrompt);
    const { loss, grads } = await ctx.lossAndGrads(batch, ctx.params);
    const where = ctx.gradAccum > 1 ? ` (micro-batch ${micro + 1} of ${ctx.gradAccum})` : "";
    if (!Number.isFinite(loss)) {
      throw new NonFiniteTrainingError(step, `the loss is ${loss}${where}`, ctx.lastCheckpoint);
    }
    try {
      accumulator.add(grads);
    } catch (error) {
      if (error instanceof NonFiniteGradientError) throw new NonFiniteTrainingError(step, `${error.message}${where}`, ctx.lastCheckpoint);
      throw error;
    }
    lossSum += loss;
    t.push(...draws.t);
  }
  return { loss: lossSum / ctx.gradAccum, grads: accumulator.take(), t };
}
