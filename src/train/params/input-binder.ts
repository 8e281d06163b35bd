/**
 * A ParamBinder for training a model's own weights: the chosen parameters become float32 graph
 * inputs (fed each step, differentiated with autodiff's `gradients`), every other parameter is
 * bound by the frozen binder (in-memory initializers from `loadParams`, usually).
 */
import type { Graph, Value } from "../../onnx/graph.js";
import type { ParamBinder, ParamSpec } from "../../nn/module.js";

export class InputParams implements ParamBinder {
  private readonly bound = new Map<string, Value>();

  /** `trainable`: the parameter paths to bind as graph inputs (named by their path). */
  constructor(
    readonly trainable: ReadonlySet<string>,
    private readonly frozen: ParamBinder,
  ) {}

  bind(graph: Graph, spec: ParamSpec): Value {
    if (!this.trainable.has(spec.path)) return this.frozen.bind(graph, spec);
    const value = graph.addInput(spec.path, "f32", spec.shape);
    this.bound.set(spec.path, value);
    return value;
  }

  /** The graph inputs bound so far, by parameter path (the values to differentiate with respect to). */
  inputs(): ReadonlyMap<string, Value> {
    return this.bound;
  }
}
