/**
 * Adapters on linear layers (LoRA, MoE-LoRA): a BuildContext that carries them, and the hook a
 * Linear calls after its base product. Modules stay unaware of which adapters exist.
 */
import type { Graph, Value } from "../onnx/graph.js";
import { BuildContext, type ParamBinder } from "./module.js";

/** The linear layer being built: its module path (the checkpoint name) and sizes. */
export interface LinearSite {
  readonly path: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export interface LinearAdapters {
  /**
   * x: [N, in] (the flattened input), y: [N, out] (the base output W x + b), input: the layer's
   * input before flattening ([..., in]) -> y plus every adapter branch of this layer.
   */
  apply(ctx: BuildContext, site: LinearSite, x: Value, y: Value, input: Value): Value;
  /**
   * The same for a layer read as row ranges (Linear.forwardRows): null when the branches cannot be
   * cut at these ranges (decided without building anything; the caller then runs the whole product,
   * apply() and a Split), else a function from the base output's ranges (ys[i]: [N, sizes[i]]) to
   * each plus its rows of every branch, the same numbers as apply() then a Split.
   */
  applyRows?(site: LinearSite, sizes: readonly number[]): ((x: Value, ys: readonly Value[]) => Value[]) | null;
}

export class AdapterBuildContext extends BuildContext {
  constructor(
    graph: Graph,
    binder: ParamBinder,
    tapNames: ReadonlySet<string>,
    readonly adapters: LinearAdapters,
  ) {
    super(graph, binder, tapNames);
  }
}

/** The adapters of a build, or null for a plain one. */
export function adaptersOf(ctx: BuildContext): LinearAdapters | null {
  return ctx instanceof AdapterBuildContext ? ctx.adapters : null;
}
