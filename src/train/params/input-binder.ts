/**
 * A ParamBinder that makes a chosen set of parameters graph INPUTS, named by their checkpoint keys
 * (so a training graph can take them and return their gradients), and leaves every other parameter
 * to a fallback binder (initializers, usually). Each graph gets each input once.
 */
import { GraphBuildError, type Graph, type Value } from "../../onnx/graph.js";
import type { ParamBinder, ParamSpec, QuantizedWeight } from "../../nn/module.js";

export class InputParamBinder implements ParamBinder {
  private readonly trainable: ReadonlyMap<string, ParamSpec>;
  private readonly byGraph = new WeakMap<Graph, Map<string, Value>>();

  /**
   * `inputs`: the parameters to bind as f32 graph inputs of their declared shape; `rest`: the
   * binder of every other parameter (none: any other parameter is a build error).
   */
  constructor(
    inputs: readonly ParamSpec[],
    private readonly rest: ParamBinder | null = null,
  ) {
    this.trainable = new Map(inputs.map((s) => [s.path, s]));
  }

  /** The keys bound as inputs, in the order given. */
  get keys(): string[] {
    return [...this.trainable.keys()];
  }

  /** Whether `path` is bound as a graph input. */
  isInput(path: string): boolean {
    return this.trainable.has(path);
  }

  /** The input values this binder added to `graph`, by key (only those the model used). */
  boundInputs(graph: Graph): ReadonlyMap<string, Value> {
    return this.byGraph.get(graph) ?? new Map();
  }

  bind(graph: Graph, spec: ParamSpec): Value {
    const declared = this.trainable.get(spec.path);
    if (!declared) {
      if (!this.rest) throw new GraphBuildError(`parameter ${spec.path} is neither a trainable input nor bound by another binder`);
      return this.rest.bind(graph, spec);
    }
    if (declared.shape.length !== spec.shape.length || declared.shape.some((d, i) => d !== spec.shape[i])) {
      throw new GraphBuildError(`parameter ${spec.path}: the model declares [${spec.shape}], the trainable input [${declared.shape}]`);
    }
    let bound = this.byGraph.get(graph);
    if (!bound) this.byGraph.set(graph, (bound = new Map()));
    let value = bound.get(spec.path);
    if (!value) bound.set(spec.path, (value = graph.addInput(spec.path, "f32", spec.shape)));
    return value;
  }

  /** Trainable weights stay float (a gradient needs them as inputs); the others as the fallback binds them. */
  bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
    if (this.trainable.has(spec.path)) return null;
    return this.rest?.bindQuantized?.(graph, spec) ?? null;
  }
}
