/**
 * The op registry: each op type (domain + op type) is registered once with its shape rule, which
 * turns the inputs' dtypes and shapes and the attributes into the output specs, or throws a
 * ShapeRuleError naming the op, the node and what did not fit. Every Graph node goes through one.
 * An op's gradient rule (reverse-mode autodiff) lives in src/autodiff/rules/, keyed by the same
 * (domain, op type): a rule builds nodes through the op helpers (onnx/ops), which import the Graph,
 * which imports this registry, so beside the shape rule it would close an import cycle.
 */
import type { Tensor } from "../tensor.js";
import { GraphBuildError, type Attribute, type Attributes, type OutputSpec, type Shape, type ValueInfo } from "./ir.js";

/** A node whose op type no registry entry describes. */
export class UnknownOpError extends GraphBuildError {}

/** A node whose inputs or attributes break its op's shape rule. */
export class ShapeRuleError extends GraphBuildError {}

/** An input as a shape rule sees it: its dtype and shape, and its data when it is an inline constant. */
export interface OpInput extends ValueInfo {
  readonly constant: Tensor | null;
}

/** What a shape rule is asked about one node: the data fields of ShapeQuery. */
export type NodeQuery = Pick<ShapeQuery, "opType" | "domain" | "node" | "inputs" | "attributes" | "declaredShapes">;

export type ShapeRule = (q: ShapeQuery) => readonly OutputSpec[];

export interface OpSchema {
  /** "" for the default ONNX domain, "com.microsoft" for ONNX Runtime's contrib ops. */
  readonly domain: string;
  readonly opType: string;
  /** The output specs of a node of this op, validating its inputs and attributes. */
  readonly outputs: ShapeRule;
}

/** One node as its shape rule sees it, with typed accessors whose failures name the op and the node. */
export class ShapeQuery {
  readonly opType: string;
  readonly domain: string;
  /** The node's name in its graph (e.g. "MatMul_12"). */
  readonly node: string;
  /** null marks an omitted optional input. */
  readonly inputs: readonly (OpInput | null)[];
  readonly attributes: Attributes;
  /**
   * Output shapes the caller declares for outputs whose sizes are data known only when the graph
   * runs (a Reshape to a computed shape vector, a Split by run-time sizes); null when not given.
   */
  readonly declaredShapes: readonly Shape[] | null;

  constructor(q: NodeQuery) {
    this.opType = q.opType;
    this.domain = q.domain;
    this.node = q.node;
    this.inputs = q.inputs;
    this.attributes = q.attributes;
    this.declaredShapes = q.declaredShapes;
  }

  fail(problem: string): never {
    throw new ShapeRuleError(`${this.opType} (node ${this.node}): ${problem}`);
  }

  /** Input `i`, which must be present. */
  input(i: number, what = `input ${i}`): OpInput {
    const value = this.inputs[i];
    if (!value) this.fail(`${what} is missing`);
    return value;
  }

  /** Input `i`, or null when omitted. */
  optional(i: number): OpInput | null {
    return this.inputs[i] ?? null;
  }

  private attribute<T extends Attribute["type"]>(name: string, type: T): Extract<Attribute, { type: T }> | null {
    const a = this.attributes[name];
    if (!a) return null;
    if (a.type !== type) this.fail(`attribute ${name} must be ${type}, got ${a.type}`);
    return a as Extract<Attribute, { type: T }>;
  }

  int(name: string, fallback?: number): number {
    const a = this.attribute(name, "int");
    if (a) return a.value;
    if (fallback === undefined) this.fail(`attribute ${name} is missing`);
    return fallback;
  }

  ints(name: string, fallback?: readonly number[]): readonly number[] {
    const a = this.attribute(name, "ints");
    if (a) return a.value;
    if (fallback === undefined) this.fail(`attribute ${name} is missing`);
    return fallback;
  }

  tensor(name: string): Tensor | null {
    return this.attribute(name, "tensor")?.value ?? null;
  }

  /** The values of a constant integer input (shape vectors, axes, sizes), or null when it is computed. */
  constInts(i: number): number[] | null {
    const t = this.inputs[i]?.constant;
    if (!t) return null;
    if (t.dtype !== "i64" && t.dtype !== "i32") this.fail(`input ${i} must hold integers, got ${t.dtype}`);
    return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  /** The declared output shapes, which must be given (`count` of them when fixed). */
  declared(why: string, count?: number): readonly Shape[] {
    const shapes = this.declaredShapes;
    if (!shapes) this.fail(`${why}: the caller must declare the output shape`);
    if (count !== undefined && shapes.length !== count) this.fail(`${count} output shapes needed, ${shapes.length} declared`);
    return shapes;
  }

  /** Refuses `input` unless its dtype is one of `allowed`. */
  expectDtype(input: OpInput, allowed: readonly string[], what: string): void {
    if (!allowed.includes(input.dtype)) this.fail(`${what} ${input.name} must be ${allowed.join(" or ")}, got ${input.dtype}`);
  }
}

function keyOf(domain: string, opType: string): string {
  return `${domain}::${opType}`;
}

export class OpRegistry {
  private readonly schemas = new Map<string, OpSchema>();

  constructor(schemas: Iterable<OpSchema> = []) {
    for (const s of schemas) this.register(s);
  }

  register(schema: OpSchema): void {
    const key = keyOf(schema.domain, schema.opType);
    if (this.schemas.has(key)) throw new GraphBuildError(`op ${describeOp(schema.domain, schema.opType)} is registered twice`);
    this.schemas.set(key, schema);
  }

  has(domain: string, opType: string): boolean {
    return this.schemas.has(keyOf(domain, opType));
  }

  get(domain: string, opType: string): OpSchema {
    const schema = this.schemas.get(keyOf(domain, opType));
    if (!schema) {
      throw new UnknownOpError(
        `op ${describeOp(domain, opType)} is not registered: add its shape rule to src/onnx/op-rules/ (and OPS in op-registry.ts)`,
      );
    }
    return schema;
  }

  /** Every registered op, in registration order. */
  list(): OpSchema[] {
    return [...this.schemas.values()];
  }

  /** A registry with these ops plus `more` (tests and experiments; the default stays as it is). */
  with(more: Iterable<OpSchema>): OpRegistry {
    return new OpRegistry([...this.schemas.values(), ...more]);
  }

  /** The output specs of a node; errors name the op and the node. */
  outputs(q: NodeQuery): readonly OutputSpec[] {
    const schema = this.get(q.domain, q.opType);
    const query = new ShapeQuery(q);
    try {
      return schema.outputs(query);
    } catch (e) {
      // Shape helpers (broadcast, reshapeShape, ...) throw plain GraphBuildErrors: add the node.
      if (e instanceof GraphBuildError && !(e instanceof ShapeRuleError)) query.fail(e.message.replace(`${q.opType}: `, ""));
      throw e;
    }
  }
}

function describeOp(domain: string, opType: string): string {
  return domain ? `${domain}.${opType}` : opType;
}

/** Schemas from a table opType -> shape rule, all of one domain ("": the default ONNX domain). */
export function opSchemas(rules: Readonly<Record<string, ShapeRule>>, domain = ""): OpSchema[] {
  return Object.entries(rules).map(([opType, outputs]) => ({ domain, opType, outputs }));
}
