/** The Euler step of the flow-matching sampler and the clean-image estimate of a step. */
import { InvalidArgumentError } from "../errors.js";
import { tensor, type Tensor } from "../tensor.js";

const fr = Math.fround;

function sameLength(a: Tensor, b: Tensor, what: string): void {
  if (a.data.length !== b.data.length) throw new InvalidArgumentError(`${what}: shapes [${a.dims}] and [${b.dims}] differ`);
}

/**
 * x + (tPrev - tCurr) * v, as BFL denoise does with float32 tensors: the float64 difference of the
 * two schedule values is rounded to float32, multiplied with v, then added (each op rounded).
 */
export function eulerStep(x: Tensor<"f32">, v: Tensor<"f32">, tCurr: number, tPrev: number): Tensor<"f32"> {
  sameLength(x, v, "Euler step");
  const dt = fr(tPrev - tCurr);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = fr((x.data[i] as number) + fr(dt * (v.data[i] as number)));
  return tensor("f32", x.dims, out);
}

/** x0 = x_t - t * v: the model's current estimate of the clean latent (x_t = t*noise + (1-t)*x0, v = noise - x0). */
export function estimateX0(x: Tensor<"f32">, v: Tensor<"f32">, t: number): Tensor<"f32"> {
  sameLength(x, v, "x0 estimate");
  const tf = fr(t);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = fr((x.data[i] as number) - fr(tf * (v.data[i] as number)));
  return tensor("f32", x.dims, out);
}

/** The first index of a NaN or infinite value, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) return i;
  return -1;
}
