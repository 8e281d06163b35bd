/**
 * Gradient checks against central finite differences. A case builds a forward graph from its
 * inputs; the objective is phi = sum_k <R_k, y_k> over its outputs y_k with fixed random
 * cotangents R_k. The analytic gradient comes from autodiff's backward (seeded with R_k) in one
 * run; the numeric one from phi(x + eps e_i) - phi(x - eps e_i) over 2 eps, element by element,
 * with phi summed in float64 on the host. Float64 graphs where ONNX Runtime's CPU provider has
 * double kernels; float32 otherwise, with a wider tolerance the case states.
 */
import assert from "node:assert/strict";
import { backward } from "../../src/autodiff/index.js";
import { Graph, type Value } from "../../src/onnx/index.js";
import type { Engine } from "../../src/runtime/index.js";
import { tensor, type DType, type Tensor } from "../../src/tensor.js";
import { uniform } from "../onnx/helpers.js";

export interface CaseInput {
  readonly dims: readonly number[];
  /** Float inputs: drawn uniform in [lo, hi) from `seed` unless `values` are given. */
  readonly values?: ArrayLike<number>;
  readonly seed?: number;
  readonly lo?: number;
  readonly hi?: number;
  /** The dtype of an input that is not the case's float dtype (indices: "i64"). */
  readonly dtype?: DType;
  /** Differentiate with respect to this input (default: true for float inputs). */
  readonly wrt?: boolean;
  /** Declared (symbolic) shape of the graph input; `dims` by default. */
  readonly shape?: readonly (number | string)[];
}

export interface GradientCase {
  readonly name: string;
  readonly dtype: "f32" | "f64";
  readonly inputs: Readonly<Record<string, CaseInput>>;
  /** Builds the outputs from the graph inputs (same names as `inputs`). */
  readonly build: (inputs: Readonly<Record<string, Value>>) => Value | readonly Value[];
  /** Finite-difference step (default 1e-6 for f64, 1e-2 for f32). */
  readonly eps?: number;
  /** |analytic - numeric| <= atol + rtol * max|numeric| (defaults: 1e-7/1e-6 for f64, 2e-3/2e-3 for f32). */
  readonly rtol?: number;
  readonly atol?: number;
}

function floatTensor(dtype: "f32" | "f64", dims: readonly number[], values: ArrayLike<number>): Tensor {
  return dtype === "f64" ? tensor("f64", dims, Float64Array.from(values)) : tensor("f32", dims, Float32Array.from(values));
}

function feedsOf(c: GradientCase): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  let seed = 1;
  for (const [name, input] of Object.entries(c.inputs)) {
    const n = input.dims.reduce((a, b) => a * b, 1);
    seed += 7;
    if (input.dtype === "i64") {
      feeds[name] = tensor(
        "i64",
        input.dims,
        BigInt64Array.from(input.values ?? [], (v) => BigInt(v)),
      );
    } else {
      const values = input.values ?? uniform(n, input.seed ?? seed, input.lo ?? -1, input.hi ?? 1);
      feeds[name] = floatTensor(c.dtype, input.dims, values);
    }
  }
  return feeds;
}

function isWrt(input: CaseInput): boolean {
  return input.wrt ?? input.dtype === undefined;
}

/** The forward graph, its outputs and (with `withBackward`) the gradient outputs "grad.<input>". */
function buildCase(c: GradientCase, withBackward: boolean): { graph: Graph; outputs: Value[]; cotangents: Tensor[] } {
  const g = new Graph(`grad_${c.name}`);
  const values: Record<string, Value> = {};
  for (const [name, input] of Object.entries(c.inputs)) values[name] = g.addInput(name, input.dtype ?? c.dtype, input.shape ?? input.dims);
  const built = c.build(values);
  const outputs = Array.isArray(built) ? [...(built as readonly Value[])] : [built as Value];
  outputs.forEach((y, k) => g.addOutput(y, `y${k}`));
  const cotangents = outputs.map((y, k) => {
    const dims = y.shape.map((d) => {
      if (typeof d !== "number") throw new Error(`case ${c.name}: output ${k} has a symbolic shape; give static shapes`);
      return d;
    });
    const n = dims.reduce((a, b) => a * b, 1);
    return floatTensor(c.dtype, dims, uniform(n, 1000 + k, -1, 1));
  });
  if (withBackward) {
    const wrt = Object.entries(c.inputs)
      .filter(([, input]) => isWrt(input))
      .map(([name]) => values[name] as Value);
    const seeds = outputs.map((y, k) => ({ value: y, grad: g.constant(cotangents[k] as Tensor, `cotangent${k}`) }));
    backward(g, seeds, wrt).forEach((d, i) => g.addOutput(d, `grad.${(wrt[i] as Value).name}`));
  }
  return { graph: g, outputs, cotangents };
}

/** Runs the check; fails naming the input and element whose gradient is off. */
export async function checkGradient(engine: Engine, c: GradientCase): Promise<void> {
  const feeds = feedsOf(c);
  const withGrads = buildCase(c, true);
  const plain = buildCase(c, false);
  const analytic = await engine.load(withGrads.graph);
  const forward = await engine.load(plain.graph);
  try {
    const grads = (await analytic.run(feeds)).outputs;
    const phi = async (f: Record<string, Tensor>): Promise<number> => {
      const out = (await forward.run(f)).outputs;
      let sum = 0;
      plain.cotangents.forEach((r, k) => {
        const y = out[`y${k}`] as Tensor;
        for (let i = 0; i < r.data.length; i++) sum += (r.data[i] as number) * (y.data[i] as number);
      });
      return sum;
    };
    const eps = c.eps ?? (c.dtype === "f64" ? 1e-6 : 1e-2);
    const rtol = c.rtol ?? (c.dtype === "f64" ? 1e-6 : 2e-3);
    const atol = c.atol ?? (c.dtype === "f64" ? 1e-7 : 2e-3);
    for (const [name, input] of Object.entries(c.inputs)) {
      if (!isWrt(input)) continue;
      const got = grads[`grad.${name}`];
      assert.ok(got, `${c.name}: no gradient output for ${name}`);
      assert.equal(got.dtype, c.dtype, `${c.name}: gradient of ${name} is ${got.dtype}, want ${c.dtype}`);
      assert.deepEqual(got.dims, input.dims, `${c.name}: gradient of ${name} has dims [${got.dims}], want [${input.dims}]`);
      const base = feeds[name] as Tensor;
      const numeric = new Float64Array(base.data.length);
      for (let i = 0; i < base.data.length; i++) {
        const at = (delta: number): Record<string, Tensor> => {
          const data = (base.data as Float32Array | Float64Array).slice();
          data[i] = (data[i] as number) + delta;
          return { ...feeds, [name]: floatTensor(c.dtype, base.dims, data) };
        };
        numeric[i] = ((await phi(at(eps))) - (await phi(at(-eps)))) / (2 * eps);
      }
      const scale = numeric.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (let i = 0; i < numeric.length; i++) {
        const diff = Math.abs((got.data[i] as number) - (numeric[i] as number));
        if (!(diff <= atol + rtol * scale)) {
          assert.fail(
            `${c.name}: d/d${name}[${i}] is ${got.data[i]}, finite differences give ${numeric[i]} (|diff| ${diff.toExponential(2)}, scale ${scale.toExponential(2)})`,
          );
        }
      }
    }
  } finally {
    await analytic.release();
    await forward.release();
  }
}
