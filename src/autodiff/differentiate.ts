/**
 * Reverse-mode differentiation over the graph IR. The forward graph already holds the loss; the
 * backward nodes are appended to the same graph, so one ONNX graph computes the loss and the
 * gradients and ONNX Runtime runs it like any other. Only nodes on a path from a differentiated
 * value to the loss get backward nodes: frozen weights get no gradient and no gradient buffer.
 * Segments (transformer blocks) can be recomputed in the backward pass (recompute.ts).
 */
import { GraphBuildError, type Graph, type Node, type Value } from "../onnx/graph.js";
import { add } from "../onnx/ops/index.js";
import { GradientQuery } from "./gradient-rule.js";
import type { GradientRegistry } from "./gradient-registry.js";
import { type NodeRange, recomputeSegment } from "./recompute.js";
import { GRADIENTS } from "./rules/index.js";
import { constantLike, isDifferentiable, zerosLike } from "./values.js";

export interface BackwardOptions {
  /** The gradient rules (default: every rule icedit has). */
  readonly rules?: GradientRegistry;
  /**
   * Forward node ranges to recompute in the backward pass instead of keeping their activations
   * (gradient checkpointing, one range per transformer block); disjoint, in any order.
   */
  readonly recompute?: readonly NodeRange[];
}

/** A value and the gradient of the objective with respect to it (a vector-Jacobian product's vector). */
export interface Seed {
  readonly value: Value;
  readonly grad: Value;
}

/** The values that depend on any of `wrt` through differentiable values (forward sweep). */
function dependents(nodes: readonly Node[], wrt: readonly Value[]): Set<string> {
  const active = new Set(wrt.map((v) => v.name));
  for (const node of nodes) {
    if (!node.inputs.some((v) => v && active.has(v.name))) continue;
    for (const out of node.outputs) if (isDifferentiable(out.dtype)) active.add(out.name);
  }
  return active;
}

/** The values the seeds depend on (backward sweep), among `active`. */
function ancestors(nodes: readonly Node[], seeds: readonly Seed[], active: ReadonlySet<string>): Set<string> {
  const needed = new Set(seeds.map((s) => s.value.name));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as Node;
    if (!node.outputs.some((v) => needed.has(v.name))) continue;
    for (const v of node.inputs) if (v && active.has(v.name)) needed.add(v.name);
  }
  return needed;
}

function checkRanges(ranges: readonly NodeRange[], count: number): Map<number, NodeRange> {
  const byLast = new Map<number, NodeRange>();
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  sorted.forEach((r, i) => {
    const next = sorted[i + 1];
    if (!(r.start >= 0 && r.end > r.start && r.end <= count) || (next && next.start < r.end)) {
      throw new GraphBuildError(`recompute range [${r.start}, ${r.end}) is empty, out of the ${count} forward nodes, or overlaps another`);
    }
    byLast.set(r.end - 1, r);
  });
  return byLast;
}

/**
 * Appends to `graph` the gradients of sum_i <seed_i.grad, seed_i.value> with respect to each of
 * `wrt` and returns them in order (zeros for a value the seeds do not depend on).
 */
export function backward(graph: Graph, seeds: readonly Seed[], wrt: readonly Value[], options: BackwardOptions = {}): Value[] {
  const rules = options.rules ?? GRADIENTS;
  for (const v of [...wrt, ...seeds.flatMap((s) => [s.value, s.grad])]) {
    if (v.graph !== graph) throw new GraphBuildError(`value ${v.name} belongs to graph ${v.graph.name}, not ${graph.name}`);
  }
  for (const v of wrt) {
    if (!isDifferentiable(v.dtype)) throw new GraphBuildError(`cannot differentiate with respect to ${v.name}: it is ${v.dtype}`);
  }
  const forward = [...graph.nodes];
  const segments = checkRanges(options.recompute ?? [], forward.length);
  const active = dependents(forward, wrt);
  const needed = ancestors(forward, seeds, active);
  const grads = new Map<string, Value>();
  const accumulate = (value: Value, grad: Value): void => {
    const prior = grads.get(value.name);
    grads.set(value.name, prior ? add(prior, grad) : grad);
  };
  const visit = (node: Node): void => {
    const outputGrads = node.outputs.map((v) => grads.get(v.name) ?? null);
    if (outputGrads.every((g) => g === null)) return;
    const wants = node.inputs.map((v) => v !== null && active.has(v.name) && needed.has(v.name));
    if (!wants.some(Boolean)) return;
    const inputGrads = rules.ruleFor(node)(new GradientQuery(node, outputGrads, wants));
    node.inputs.forEach((v, k) => {
      const g = inputGrads[k];
      if (v && wants[k] && g) accumulate(v, g);
    });
  };
  /** Recomputes a segment and runs its nodes' rules on the clone; the gradients land on the segment's inputs. */
  const visitRecomputed = (range: NodeRange): void => {
    const nodes = forward.slice(range.start, range.end);
    const reaching = nodes.flatMap((n) => n.outputs).find((v) => grads.has(v.name) && isDifferentiable(v.dtype));
    if (!reaching) return;
    const clone = recomputeSegment(graph, nodes, grads.get(reaching.name) as Value);
    for (const [name, value] of clone.outputs) {
      if (active.has(name)) active.add(value.name);
      if (needed.has(name)) needed.add(value.name);
      const g = grads.get(name);
      if (g) grads.set(value.name, g);
    }
    for (const { original, barrier } of clone.barriers.values()) {
      if (active.has(original.name)) active.add(barrier.name);
      if (needed.has(original.name)) needed.add(barrier.name);
    }
    for (let i = clone.nodes.length - 1; i >= 0; i--) visit(clone.nodes[i] as Node);
    for (const { original, barrier } of clone.barriers.values()) {
      const g = grads.get(barrier.name);
      if (g) accumulate(original, g);
    }
  };
  for (const s of seeds) accumulate(s.value, s.grad);
  for (let i = forward.length - 1; i >= 0; i--) {
    const segment = segments.get(i);
    if (segment) {
      visitRecomputed(segment);
      i = segment.start;
      continue;
    }
    visit(forward[i] as Node);
  }
  return wrt.map((v) => grads.get(v.name) ?? zerosLike(v));
}

/** The gradients of the scalar `loss` ([] or [1]) with respect to each of `wrt`, appended to its graph. */
export function gradients(loss: Value, wrt: readonly Value[], options: BackwardOptions = {}): Value[] {
  const dims = loss.shape;
  if (dims.length > 1 || (dims.length === 1 && dims[0] !== 1)) {
    throw new GraphBuildError(`the loss ${loss.name} must be a scalar, got shape [${dims}]`);
  }
  const seed = constantLike(loss, 1, dims as readonly number[]);
  return backward(loss.graph, [{ value: loss, grad: seed }], wrt, options);
}
