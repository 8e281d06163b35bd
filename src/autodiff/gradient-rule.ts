/**
 * What an op's gradient rule sees and returns. A rule gets one forward node and the gradients of
 * the loss with respect to its outputs, and adds nodes to the same graph that give the gradient
 * with respect to each input it is asked for (null for the others). Rules build with the op
 * helpers (onnx/ops), so they read like the math they implement.
 */
import { IceditError } from "../errors.js";
import type { Attribute, Node, Value } from "../onnx/graph.js";
import { zerosLike } from "./values.js";

/** A node that cannot be differentiated: no rule for its op, or a case the rule does not cover. */
export class NotDifferentiableError extends IceditError {}

export class GradientQuery {
  constructor(
    readonly node: Node,
    private readonly outputGrads: readonly (Value | null)[],
    private readonly wants: readonly boolean[],
  ) {}

  fail(problem: string): never {
    const op = this.node.domain ? `${this.node.domain}.${this.node.opType}` : this.node.opType;
    throw new NotDifferentiableError(`gradient of ${op} (node ${this.node.name}): ${problem}`);
  }

  /** Forward input `i`, which must be present. */
  input(i: number): Value {
    const value = this.node.inputs[i];
    if (!value) this.fail(`input ${i} is missing`);
    return value;
  }

  /** Forward input `i`, or null when omitted. */
  optional(i: number): Value | null {
    return this.node.inputs[i] ?? null;
  }

  output(i = 0): Value {
    const value = this.node.outputs[i];
    if (!value) this.fail(`output ${i} is missing`);
    return value;
  }

  /** The values of input `i` when it is an inline integer constant (axes, shapes, sizes), else null. */
  constInts(i: number): number[] | null {
    const value = this.node.inputs[i];
    if (!value) return null;
    const init = value.graph.initializers.get(value.name);
    if (!init || init.value !== value || init.data.kind !== "inline") return null;
    const t = init.data.tensor;
    if (t.dtype !== "i64" && t.dtype !== "i32") return null;
    return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  /** Whether the gradient of input `i` is asked for. */
  wanted(i: number): boolean {
    return this.wants[i] ?? false;
  }

  /** dL/d output `i`, or null when no gradient reaches that output. */
  gradOrNull(i = 0): Value | null {
    return this.outputGrads[i] ?? null;
  }

  /** dL/d output `i`, zeros of its shape when no gradient reaches it. */
  grad(i = 0): Value {
    return this.gradOrNull(i) ?? zerosLike(this.output(i));
  }

  private attribute<T extends Attribute["type"]>(name: string, type: T): Extract<Attribute, { type: T }> | null {
    const a = this.node.attributes[name];
    if (!a) return null;
    if (a.type !== type) this.fail(`attribute ${name} must be ${type}, got ${a.type}`);
    return a as Extract<Attribute, { type: T }>;
  }

  int(name: string, fallback: number): number {
    return this.attribute(name, "int")?.value ?? fallback;
  }

  float(name: string, fallback: number): number {
    return this.attribute(name, "float")?.value ?? fallback;
  }

  string(name: string, fallback: string): string {
    return this.attribute(name, "string")?.value ?? fallback;
  }

  ints(name: string): readonly number[] | null {
    return this.attribute(name, "ints")?.value ?? null;
  }
}

/** The gradients of a node's inputs, in input order: null where not asked for or not defined (integer inputs). */
export type GradientRule = (q: GradientQuery) => readonly (Value | null)[];
