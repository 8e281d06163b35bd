/**
 * What the training loop is given: the prepared (encoded) data set, one function that runs the
 * training step (forward + backward) and the trainable adapter tensors. The real ones come from
 * the data cache (src/train/data) and the training graph (src/train/step); tests pass fakes.
 */
import type { Tensor } from "../../tensor.js";
import type { RgbImage } from "../../image/rgb.js";
import type { PreparedDataset as PreparedExamples } from "../data/prepare-examples.js";

/** One encoded training example and the encoded data set, as the data cache gives them (src/train/data). */
export type { PreparedExample } from "../data/prepare-examples.js";

/** What the loop reads of a prepared data set: the examples by index and the dropped prompt's embeddings. */
export type PreparedDataset = Pick<PreparedExamples, "count" | "get" | "emptyPrompt">;

/** One micro-batch as the training step takes it; every tensor has a leading batch axis B. */
export interface StepBatch {
  /** [B, L, 64] */
  readonly x0: Tensor<"f32">;
  /** [B, L, 320] */
  readonly imgCond: Tensor<"f32">;
  /** [B, T, C] */
  readonly txt: Tensor<"f32">;
  /** [B, V] */
  readonly y: Tensor<"f32">;
  /** [B]: t = sigmoid(randn) per example. */
  readonly t: Float32Array;
  /** [B, L, 64]: randn_like(x0). */
  readonly noise: Tensor<"f32">;
}

/** Trainable tensors by adapter-file key; the optimizer updates their data in place. */
export type AdapterParams = ReadonlyMap<string, Tensor<"f32">>;

/** The loss (mean over the micro-batch) and its gradient for every adapter tensor. */
export interface LossAndGradsResult {
  readonly loss: number;
  readonly grads: Map<string, Tensor<"f32">>;
}

/** One forward + backward of the training step. */
export type LossAndGrads = (batch: StepBatch, params: AdapterParams) => Promise<LossAndGradsResult>;

/** An edit of `instruction` with the adapter as it is now (for --sample-every); returns the edited image. */
export type SampleEdit = (params: AdapterParams, request: { readonly instruction: string; readonly step: number }) => Promise<RgbImage>;

/** What identifies the frozen parts of a run: a resumed run must have the same. */
export interface RunFingerprint {
  /** The base model (its weights' identity and precision). */
  readonly model: string;
  /** The prepared data (its entries and the training size). */
  readonly data: string;
}
