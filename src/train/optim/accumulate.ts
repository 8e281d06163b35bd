/**
 * Gradient accumulation as Lightning's `accumulate_grad_batches = n` does it: every micro-batch loss
 * is divided by n before backward and the gradients add up, so the optimizer sees the mean of the
 * micro-batch gradients. An epoch that ends early still divides by n (Lightning steps on the
 * leftover micro-batches without rescaling). Sums are float64.
 */
import type { Tensor } from "../../tensor.js";
import { GradientMismatchError, HyperParameterError, OptimizerError } from "./errors.js";
import { checkGradients, type Grads } from "./tensors.js";

export class GradientAccumulator {
  private sums = new Map<string, Tensor<"f64">>();
  private added = 0;

  constructor(readonly microBatches: number) {
    if (!Number.isInteger(microBatches) || microBatches < 1) {
      throw new HyperParameterError(`accumulate_grad_batches must be an integer >= 1, got ${microBatches}: fix the training settings`);
    }
  }

  /** Micro-batches added since the last `take()`. */
  get count(): number {
    return this.added;
  }

  /** True once `microBatches` micro-batches have been added: time for an optimizer step. */
  get ready(): boolean {
    return this.added >= this.microBatches;
  }

  /** Adds one micro-batch's gradients (of its own mean loss); the first call fixes the names and shapes. */
  add(grads: Grads): void {
    if (this.ready) {
      throw new OptimizerError(
        `already holds ${this.added} of ${this.microBatches} micro-batches: call take() and step the optimizer first`,
      );
    }
    if (this.added === 0) {
      checkGradients(grads, grads);
      this.sums = new Map(
        [...grads].map(([name, g]) => [name, { dtype: "f64", dims: [...g.dims], data: new Float64Array(g.data.length) }]),
      );
    } else {
      checkGradients(this.sums, grads);
    }
    const scale = 1 / this.microBatches;
    for (const [name, g] of grads) {
      const sum = this.sums.get(name)!.data;
      const data = g.data;
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + data[i]! * scale;
    }
    this.added++;
  }

  /** The accumulated gradients (sum of micro-batch gradients / microBatches); starts over. */
  take(): Map<string, Tensor<"f64">> {
    if (this.added === 0) {
      throw new GradientMismatchError("no micro-batch gradients to take: add() at least one micro-batch first");
    }
    const out = this.sums;
    this.sums = new Map();
    this.added = 0;
    return out;
  }
}
