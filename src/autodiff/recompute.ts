/**
 * Gradient checkpointing inside one graph: a segment of forward nodes (one transformer block) is
 * cloned into the backward part of the graph, and the backward rules read the clone's values, so
 * the segment's own activations die with the forward pass and only its inputs (the checkpoints)
 * live until the backward reaches it. Memory then grows with the checkpoints plus one segment's
 * activations instead of every segment's.
 *
 * ONNX Runtime removes duplicated subgraphs (common-subexpression elimination) and may schedule a
 * node as early as its inputs allow, which would undo the recomputation. So the clone reads its
 * activations from before the segment through a barrier, x + 0 * g, where g is one element of a gradient that reaches the
 * segment: the clone then depends on the backward pass and is neither merged nor hoisted. x + 0 * g
 * equals x exactly for finite g (and a non-finite gradient already ends the step).
 */
import type { Graph, Node, Value } from "../onnx/graph.js";
import { add, mul, reshape, slice } from "../onnx/ops/index.js";
import { constantLike, isDifferentiable } from "./values.js";

/** Forward nodes [start, end) of a graph's node list. */
export interface NodeRange {
  readonly start: number;
  readonly end: number;
}

/** A segment's clone: its nodes (in forward order) and, per original value name, the clone's value. */
export interface RecomputedSegment {
  readonly nodes: readonly Node[];
  /** Original input value -> the barrier value the clone reads (float inputs from outside the segment). */
  readonly barriers: ReadonlyMap<string, { readonly original: Value; readonly barrier: Value }>;
  /** Original output name -> the clone's output. */
  readonly outputs: ReadonlyMap<string, Value>;
}

/** A scalar zero that depends on `grad` at run time: 0 * (its first element), shaped [1]. */
function zeroAfter(grad: Value): Value {
  const first = slice(reshape(grad, [-1]), 0, 0, 1);
  return mul(first, constantLike(first, 0));
}

/** Clones `nodes` (one segment, forward order) after a barrier on `grad`. */
export function recomputeSegment(graph: Graph, nodes: readonly Node[], grad: Value): RecomputedSegment {
  const produced = new Set(nodes.flatMap((n) => n.outputs.map((v) => v.name)));
  const zero = zeroAfter(grad);
  const barriers = new Map<string, { original: Value; barrier: Value }>();
  const cloned = new Map<string, Value>();
  const graphInputs = new Set(graph.inputs.map((v) => v.name));
  /** Activations from before the segment go through the barrier; weights and graph inputs are read as they are. */
  const isActivation = (v: Value): boolean =>
    !graphInputs.has(v.name) &&
    !graph.initializers.has(v.name) &&
    isDifferentiable(v.dtype) &&
    v.dtype === zero.dtype &&
    v.shape.length > 0;
  const clones: Node[] = [];
  const read = (v: Value | null): Value | null => {
    if (!v) return null;
    const inside = cloned.get(v.name);
    if (inside) return inside;
    if (produced.has(v.name) || !isActivation(v)) return v;
    let entry = barriers.get(v.name);
    if (!entry) {
      entry = { original: v, barrier: add(v, zero) };
      barriers.set(v.name, entry);
    }
    return entry.barrier;
  };
  for (const node of nodes) {
    const inputs = node.inputs.map(read);
    const outs = graph.addNode(node.opType, inputs, node.attributes, {
      domain: node.domain,
      declaredShapes: node.outputs.map((v) => v.shape),
    });
    clones.push(graph.nodes[graph.nodes.length - 1] as Node);
    node.outputs.forEach((v, i) => cloned.set(v.name, outs[i] as Value));
  }
  return { nodes: clones, barriers, outputs: cloned };
}
