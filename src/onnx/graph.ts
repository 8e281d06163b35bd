/**
 * The graph IR: values with a dtype and a (possibly symbolic) shape, nodes, initializers.
 * Every op is a pure function of its inputs; nothing here knows about any model.
 * A Value knows its graph, so op helpers (ops/*.ts) take only values and read like math.
 * Every node goes through the graph's op registry (op-registry.ts): its op's shape rule gives the
 * outputs' dtypes and shapes, and an op type that is not registered is refused.
 */
import type { DType, Tensor } from "../tensor.js";
import { GraphBuildError, type Attributes, type Shape, type ValueInfo } from "./ir.js";
import type { OpInput, OpRegistry } from "./op-schema.js";
import { OPS } from "./op-registry.js";

export { attr, GraphBuildError, type Attribute, type Attributes, type Dim, type OutputSpec, type Shape } from "./ir.js";

export interface Value extends ValueInfo {
  readonly graph: Graph;
}

/** How a node is added besides its op type, inputs and attributes. */
export interface NodeOptions {
  /** "" (default) for the ONNX domain, "com.microsoft" for ONNX Runtime's contrib ops. */
  readonly domain?: string;
  /** The name of the first output (a fresh name from the op type otherwise). */
  readonly outputName?: string;
  /** Output shapes that are data known only at run time (see NodeQuery.declaredShapes). */
  readonly declaredShapes?: readonly Shape[];
}

export interface Node {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  /** null marks an omitted optional input. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attributes: Attributes;
}

/** Initializer bytes: held in memory, or a byte range of a file beside the .onnx file. */
export type InitializerData =
  | { readonly kind: "inline"; readonly tensor: Tensor }
  | {
      readonly kind: "external";
      readonly dtype: DType;
      readonly dims: readonly number[];
      /** Path relative to the directory of the .onnx file (ONNX forbids leaving it). */
      readonly location: string;
      readonly offset: number;
      readonly length: number;
    };

export interface Initializer {
  readonly value: Value;
  readonly data: InitializerData;
}

export const DEFAULT_OPSETS: Readonly<Record<string, number>> = { "": 23, "com.microsoft": 1 };

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers = new Map<string, Initializer>();
  readonly opsets: Record<string, number> = { ...DEFAULT_OPSETS };
  private readonly used = new Set<string>();
  private counter = 0;
  private dataDir: string | null = null;

  /** `ops`: the registry every node goes through (the default holds every op icedit uses). */
  constructor(
    readonly name: string,
    readonly ops: OpRegistry = OPS,
  ) {}

  /** The directory the external initializers' locations are relative to (null: none bound yet). */
  get externalDataDir(): string | null {
    return this.dataDir;
  }

  /**
   * Declares that external initializers live in `dir` (the .onnx file must then be written there:
   * ONNX Runtime resolves external data inside the model's directory). One directory per graph.
   */
  useExternalDataDir(dir: string): void {
    if (this.dataDir !== null && this.dataDir !== dir) {
      throw new GraphBuildError(`graph ${this.name}: external data already comes from ${this.dataDir}, cannot also use ${dir}`);
    }
    this.dataDir = dir;
  }

  /** A fresh value name starting with `hint`, unique in this graph. */
  freshName(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new GraphBuildError(`graph ${this.name}: the name ${name} is used twice`);
    this.used.add(name);
    return name;
  }

  addInput(name: string, dtype: DType, shape: Shape): Value {
    const value: Value = { graph: this, name: this.claim(name), dtype, shape: [...shape] };
    this.inputs.push(value);
    return value;
  }

  /** Marks `value` as a graph output under `name` (an Identity node renames it when needed). */
  addOutput(value: Value, name: string = value.name): Value {
    this.assertOwn(value);
    let out = value;
    const isInput = this.inputs.includes(value) || this.initializers.has(value.name);
    if (name !== value.name || isInput || this.outputs.includes(value)) {
      const outputName = name !== value.name ? name : undefined;
      out = this.addNode("Identity", [value], {}, { outputName })[0] as Value;
    }
    this.outputs.push(out);
    return out;
  }

  addInitializer(name: string, data: InitializerData): Value {
    return this.registerInitializer(this.claim(name), data);
  }

  private registerInitializer(name: string, data: InitializerData): Value {
    const dtype = data.kind === "inline" ? data.tensor.dtype : data.dtype;
    const dims = data.kind === "inline" ? data.tensor.dims : data.dims;
    const value: Value = { graph: this, name, dtype, shape: [...dims] };
    this.initializers.set(name, { value, data });
    return value;
  }

  /** A small constant tensor (scales, shapes, axes) as an inline initializer with a fresh name. */
  constant(t: Tensor, hint = "const"): Value {
    return this.registerInitializer(this.freshName(hint), { kind: "inline", tensor: t });
  }

  /**
   * Adds a node of a registered op; the registry's shape rule gives the outputs' dtypes and
   * shapes (and refuses inputs or attributes that do not fit). Returns the output values.
   */
  addNode(opType: string, inputs: readonly (Value | null)[], attributes: Attributes, options: NodeOptions = {}): Value[] {
    for (const input of inputs) if (input) this.assertOwn(input);
    const domain = options.domain ?? "";
    const node = `${opType}_${this.nodes.length}`;
    const outputs = this.ops.outputs({
      opType,
      domain,
      node,
      inputs: inputs.map((v) => (v ? this.opInput(v) : null)),
      attributes,
      declaredShapes: options.declaredShapes ?? null,
    });
    const outputName = options.outputName;
    const base = outputName ?? this.freshName(opType.toLowerCase());
    const values = outputs.map(
      (spec, i): Value => ({
        graph: this,
        name: i === 0 ? (outputName ? this.claim(outputName) : base) : this.freshName(`${base}_${i}`),
        dtype: spec.dtype,
        shape: [...spec.shape],
      }),
    );
    this.nodes.push({ opType, domain, name: node, inputs: [...inputs], outputs: values, attributes });
    return values;
  }

  /** `value` as a shape rule sees it: with its data when it is an inline initializer. */
  private opInput(value: Value): OpInput {
    const init = this.initializers.get(value.name);
    const constant: Tensor | null = init && init.value === value && init.data.kind === "inline" ? init.data.tensor : null;
    return { name: value.name, dtype: value.dtype, shape: value.shape, constant };
  }

  private assertOwn(value: Value): void {
    if (value.graph !== this) {
      throw new GraphBuildError(`value ${value.name} belongs to graph ${value.graph.name}, not ${this.name}`);
    }
  }
}
