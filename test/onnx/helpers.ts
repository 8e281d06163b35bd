/**
 * Test helpers for graph tests: deterministic inputs, float64 reference maths and a closeness
 * check. References are computed here in plain JS, never by reading back the code under test.
 */
import assert from "node:assert/strict";
import { after } from "node:test";
import type { Graph } from "../../src/onnx/index.js";
import { Engine } from "../../src/runtime/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";

/** mulberry32: a tiny deterministic PRNG, values in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` float32-exact values uniform in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

export function f32t(dims: readonly number[], values: ArrayLike<number>): Tensor<"f32"> {
  return tensor("f32", dims, Float32Array.from(values));
}

export function i64t(dims: readonly number[], values: readonly number[]): Tensor<"i64"> {
  return tensor(
    "i64",
    dims,
    BigInt64Array.from(values, (v) => BigInt(v)),
  );
}

export function randT(dims: readonly number[], seed: number, lo = -1, hi = 1): Tensor<"f32"> {
  return tensor(
    "f32",
    dims,
    uniform(
      dims.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
  );
}

export interface Tolerance {
  readonly rtol?: number;
  readonly atol?: number;
}

/** |got - want| <= atol + rtol * |want| element-wise; reports the worst element. */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol: Tolerance = {}): void {
  const rtol = tol.rtol ?? 1e-6;
  const atol = tol.atol ?? 1e-7;
  assert.equal(got.length, want.length, `${what}: ${got.length} values, want ${want.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${got[worst]}, want ${want[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** The f32 output `name` of a run result, with its dims checked. */
export function outF32(outputs: Readonly<Record<string, Tensor>>, name: string, dims: readonly number[]): Float32Array {
  const t = outputs[name];
  assert.ok(t, `output ${name} is missing`);
  assert.equal(t.dtype, "f32", `output ${name} dtype`);
  assert.deepEqual(t.dims, dims, `output ${name} dims`);
  return t.data as Float32Array;
}

/** An Engine for the tests of the calling file or suite, closed after the last of them. */
export function engineForTests(): Engine {
  const engine = new Engine();
  after(() => engine.close());
  return engine;
}

/** Loads `g`, runs it once with `feeds`, releases the session. */
export async function runOnce(
  engine: Engine,
  g: Graph,
  feeds: Readonly<Record<string, Tensor>>,
): Promise<Readonly<Record<string, Tensor>>> {
  const session = await engine.load(g);
  try {
    return (await session.run(feeds)).outputs;
  } finally {
    await session.release();
  }
}

/** Applies `f` to each contiguous row of length `n`. */
export function rows(data: ArrayLike<number>, n: number, f: (row: number[]) => number[]): Float64Array {
  const out = new Float64Array(data.length);
  for (let r = 0; r < data.length / n; r++) out.set(f(Array.from({ length: n }, (_, i) => data[r * n + i] as number)), r * n);
  return out;
}

/** Row-major strides of `dims`. */
export function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = (out[i + 1] as number) * (dims[i + 1] as number);
  return out;
}

/**
 * numpy broadcasting of two shapes of one rank: the broadcast dims, how many elements they hold, and for
 * element `flat` of the result the flat indices of the elements of `ad` and `bd` it reads.
 */
export function broadcastIndexer(
  ad: readonly number[],
  bd: readonly number[],
): { dims: number[]; count: number; at: (flat: number) => [number, number] } {
  const dims = ad.map((x, i) => Math.max(x, bd[i] as number));
  const [as, bs, os] = [strides(ad), strides(bd), strides(dims)];
  const at = (flat: number): [number, number] => {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < dims.length; k++) {
      const idx = Math.floor(flat / (os[k] as number)) % (dims[k] as number);
      if ((ad[k] as number) !== 1) ia += idx * (as[k] as number);
      if ((bd[k] as number) !== 1) ib += idx * (bs[k] as number);
    }
    return [ia, ib];
  };
  return { dims, count: dims.reduce((p, q) => p * q, 1), at };
}

/** A float64 reference of a numpy-broadcast binary op. */
export function broadcastRef(
  a: Tensor<"f32">,
  b: Tensor<"f32">,
  f: (x: number, y: number) => number,
): { dims: number[]; data: Float64Array } {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]): number[] => [...new Array<number>(rank - d.length).fill(1), ...d];
  const { dims, count, at } = broadcastIndexer(pad(a.dims), pad(b.dims));
  const data = new Float64Array(count);
  for (let flat = 0; flat < count; flat++) {
    const [ia, ib] = at(flat);
    data[flat] = f(a.data[ia] as number, b.data[ib] as number);
  }
  return { dims, data };
}

/** erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): positive terms, ~1e-15 for |x| <= 6. */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x > 6) return 1;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum);
}

export const geluErf = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
