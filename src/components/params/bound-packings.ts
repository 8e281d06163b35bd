/** Packed (MatMulNBits) weights bound once per graph and layer, for binders that may build several graphs. */
import type { Graph } from "../../onnx/graph.js";
import type { QuantizedWeight } from "../../nn/module.js";

export class BoundPackings {
  private readonly byGraph = new WeakMap<Graph, Map<string, QuantizedWeight>>();

  get(graph: Graph, path: string, make: () => QuantizedWeight): QuantizedWeight {
    let bound = this.byGraph.get(graph);
    if (!bound) this.byGraph.set(graph, (bound = new Map()));
    let q = bound.get(path);
    if (!q) bound.set(path, (q = make()));
    return q;
  }
}
