/** Small builders for optimizer tests: named float32 parameters and gradients from plain numbers. */
import type { Tensor } from "../../../src/tensor.js";

export function f32Map(values: Record<string, readonly number[]>): Map<string, Tensor<"f32">> {
  return new Map(Object.entries(values).map(([name, v]) => [name, { dtype: "f32", dims: [v.length], data: Float32Array.from(v) }]));
}

/** A deep copy, so two optimizers can run from the same start. */
export function cloneParams(params: ReadonlyMap<string, Tensor<"f32">>): Map<string, Tensor<"f32">> {
  return new Map([...params].map(([name, t]) => [name, { dtype: "f32", dims: [...t.dims], data: t.data.slice() }]));
}

export function bytes(params: ReadonlyMap<string, Tensor<"f32">>): Buffer {
  return Buffer.concat([...params.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}

/** |actual - expected| <= rtol·|expected| + atol for each element, with the index in the message. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = 0, what = "value"): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol))
      throw new Error(`${what}[${i}] = ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}
