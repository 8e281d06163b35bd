/**
 * Loads the parameters a module declares from a weight source: every declared tensor must exist
 * with the declared shape (typed errors name the file, the tensor and both shapes), and becomes an
 * in-memory float32 initializer when the graph is built.
 */
import type { Graph, Value } from "../../onnx/graph.js";
import type { ParamBinder, ParamSpec } from "../../nn/module.js";
import type { Tensor } from "../../tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../weights/errors.js";
import type { TensorSource } from "../../weights/source.js";

/** Says, for a shape mismatch, what the file probably is (e.g. "a FLUX.1 dev checkpoint"). */
export type MismatchHint = (spec: ParamSpec, actual: readonly number[]) => string | undefined;

/** Missing tensor hint: what the absence means for this model. */
export type MissingHint = (spec: ParamSpec) => string | undefined;

export class InlineParams implements ParamBinder {
  constructor(readonly tensors: ReadonlyMap<string, Tensor<"f32">>) {}

  bind(graph: Graph, spec: ParamSpec): Value {
    const t = this.tensors.get(spec.path);
    if (!t) throw new MissingTensorError(spec.path, "(loaded parameters)");
    return graph.addInitializer(spec.path, { kind: "inline", tensor: t });
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export interface ParamHints {
  readonly mismatch?: MismatchHint;
  readonly missing?: MissingHint;
}

/** Checks that every spec is in `source` with its declared shape (headers only, no reading). */
export function checkParams(specs: readonly ParamSpec[], source: TensorSource, hints: ParamHints = {}): void {
  for (const spec of specs) {
    if (!source.has(spec.path)) throw new MissingTensorError(spec.path, source.description, hints.missing?.(spec));
    const dims = source.entry(spec.path).dims;
    if (!sameDims(dims, spec.shape)) {
      throw new ShapeMismatchError(spec.path, source.description, spec.shape, dims, hints.mismatch?.(spec, dims));
    }
  }
}

/** Checks presence and shapes of every spec first (no reading), then reads them as float32. */
export async function loadParams(specs: readonly ParamSpec[], source: TensorSource, hints: ParamHints = {}): Promise<InlineParams> {
  checkParams(specs, source, hints);
  const tensors = new Map<string, Tensor<"f32">>();
  for (const spec of specs) tensors.set(spec.path, await source.readF32(spec.path));
  return new InlineParams(tensors);
}
