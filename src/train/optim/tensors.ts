/**
 * What the optimizers work on: parameters as named float32 tensors (the adapter file's keys),
 * updated in place, and gradients as a map with the same names and shapes.
 */
import { shapeString, type Tensor } from "../../tensor.js";
import { GradientMismatchError, NonFiniteGradientError } from "./errors.js";

/** Trainable tensors by name; the optimizers write their `data` in place. */
export type Params = ReadonlyMap<string, Tensor<"f32">>;

/** A gradient: float32 as an autodiff graph gives it, or float64 as the accumulator sums it. */
export type GradTensor = Tensor<"f32"> | Tensor<"f64">;

/** Gradients by parameter name. */
export type Grads = ReadonlyMap<string, GradTensor>;

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws NonFiniteGradientError naming the tensor if any value is NaN or infinite. */
export function checkFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new NonFiniteGradientError(name, i, v);
  }
}

/**
 * Every parameter has a finite gradient of its shape, and no gradient names an unknown tensor.
 * `params` gives the names and shapes the gradients must have (the parameters, or a first set of gradients).
 */
export function checkGradients(params: ReadonlyMap<string, { readonly dims: readonly number[] }>, grads: Grads): void {
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (g === undefined) {
      throw new GradientMismatchError(
        `no gradient for parameter ${name}: pass a gradient for every trainable tensor (zeros if it has none)`,
      );
    }
    if (!sameDims(g.dims, p.dims)) {
      const what = `gradient of ${name} has shape ${shapeString(g.dims)}, the parameter has ${shapeString(p.dims)}`;
      throw new GradientMismatchError(`${what}: gradients must match their parameters`);
    }
    checkFinite(name, g.data);
  }
  for (const name of grads.keys()) {
    if (!params.has(name)) {
      throw new GradientMismatchError(`gradient for ${name}, which is not a trainable parameter: check the adapter keys`);
    }
  }
}
