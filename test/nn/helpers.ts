/** Test helpers for nn layers: a binder over an in-memory map of parameters. */
import assert from "node:assert/strict";
import { BuildContext, type ParamBinder, type ParamSpec } from "../../src/nn/module.js";
import type { Graph, Value } from "../../src/onnx/index.js";
import type { Tensor } from "../../src/tensor.js";

/** Binds each parameter to an inline initializer holding `params.get(path)` (missing ones throw). */
export function mapBinder(params: ReadonlyMap<string, Tensor>): ParamBinder {
  return {
    bind(graph: Graph, spec: ParamSpec): Value {
      const t = params.get(spec.path);
      if (!t) throw new Error(`test parameter ${spec.path} is missing`);
      return graph.addInitializer(spec.path, { kind: "inline", tensor: t });
    },
  };
}

/** A build context for `g` whose parameters are the tensors of `params`, by path. */
export function contextOver(g: Graph, params: Readonly<Record<string, Tensor>>): BuildContext {
  return new BuildContext(g, mapBinder(new Map(Object.entries(params))));
}

/** How many numbers the parameters `specs` declare in all. */
export function parameterCount(specs: readonly { readonly shape: readonly number[] }[]): number {
  return specs.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** `specs` declare `tensors` tensors holding `numbers` numbers in all. */
export function assertDeclares(specs: readonly { readonly shape: readonly number[] }[], tensors: number, numbers: number): void {
  assert.equal(specs.length, tensors, "tensors declared");
  assert.equal(parameterCount(specs), numbers, "numbers declared");
}

/** Row-major [rows, cols] matrix product of float32 data, in float64. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let acc = 0;
      for (let k = 0; k < inner; k++) acc += (a[i * inner + k] as number) * (b[k * cols + j] as number);
      out[i * cols + j] = acc;
    }
  }
  return out;
}

/** The transpose of a row-major [rows, cols] matrix. */
export function transposeRef(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j] as number;
  return out;
}
