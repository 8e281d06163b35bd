/**
 * Modules: a tree whose paths are the checkpoint keys (the BFL names for FLUX). Constructors
 * declare parameters and children; `forward` only adds nodes to a graph. Parameters become
 * graph values through a ParamBinder, so the same module code builds graphs over in-memory
 * weights, external data or (later) trainable inputs.
 */
import { GraphBuildError, type Graph, type Value } from "../onnx/graph.js";
import { constF32 } from "../onnx/ops/constants.js";

export interface ParamSpec {
  /** Dotted path, e.g. "double_blocks.0.img_attn.qkv.weight". */
  readonly path: string;
  readonly shape: readonly number[];
}

/** A linear weight held as block-quantized codes for com.microsoft.MatMulNBits. */
export interface QuantizedWeight {
  /** u8 [N, nBlocks, blob] */
  readonly b: Value;
  /** f32 [N, nBlocks] */
  readonly scales: Value;
  readonly zeroPoints: Value | null;
  readonly bits: 4 | 8;
  readonly blockSize: number;
  /** 0: float activations; 4: int8 activations (faster, ~5e-3 relative error). */
  readonly accuracyLevel: 0 | 1 | 2 | 3 | 4;
}

/** Supplies the graph value of a parameter (an initializer, usually). */
export interface ParamBinder {
  bind(graph: Graph, spec: ParamSpec): Value;
  /** A quantized form of a linear layer's weight, or null to use `bind` (float). */
  bindQuantized?(graph: Graph, spec: ParamSpec): QuantizedWeight | null;
}

/** What forward needs besides its inputs: the graph and the parameter binder. */
export class BuildContext {
  private readonly bound = new Map<string, Value>();
  private readonly onesCache = new Map<number, Value>();
  /** Named intermediates a caller asked to see as extra graph outputs (debugging, parity). */
  readonly taps = new Map<string, Value>();
  /** The node ranges [start, end) of the blocks built through `segment` (gradient checkpointing recomputes them). */
  readonly segments: { readonly start: number; readonly end: number }[] = [];

  constructor(
    readonly graph: Graph,
    private readonly binder: ParamBinder,
    private readonly tapNames: ReadonlySet<string> = new Set(),
  ) {}

  param(spec: ParamSpec): Value {
    let value = this.bound.get(spec.path);
    if (!value) {
      value = this.binder.bind(this.graph, spec);
      if (value.shape.length !== spec.shape.length || value.shape.some((d, i) => d !== spec.shape[i])) {
        throw new GraphBuildError(`parameter ${spec.path}: bound value has shape [${value.shape}], expected [${spec.shape}]`);
      }
      this.bound.set(spec.path, value);
    }
    return value;
  }

  /** The quantized form of a linear weight when the binder holds one (else null: use param()). */
  quantized(spec: ParamSpec): QuantizedWeight | null {
    return this.binder.bindQuantized?.(this.graph, spec) ?? null;
  }

  /** A shared constant vector of ones (LayerNorm without affine needs a scale input). */
  ones(size: number): Value {
    let value = this.onesCache.get(size);
    if (!value) {
      value = constF32(this.graph, new Array<number>(size).fill(1), [size], `ones_${size}`);
      this.onesCache.set(size, value);
    }
    return value;
  }

  /** Runs `build` (one block's forward) and records the range of graph nodes it added. */
  segment<T>(build: () => T): T {
    const start = this.graph.nodes.length;
    const result = build();
    if (this.graph.nodes.length > start) this.segments.push({ start, end: this.graph.nodes.length });
    return result;
  }

  /** Records `value` under `name` when the caller asked for that tap; returns it unchanged. */
  tap(name: string, value: Value): Value {
    if (this.tapNames.has(name)) this.taps.set(name, value);
    return value;
  }
}

export function joinPath(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

export abstract class Module {
  private readonly declared: ParamSpec[] = [];
  private readonly children: Module[] = [];

  constructor(readonly path: string) {}

  protected param(name: string, shape: readonly number[]): ParamSpec {
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0) throw new GraphBuildError(`parameter ${joinPath(this.path, name)}: invalid shape [${shape}]`);
    }
    const spec: ParamSpec = { path: joinPath(this.path, name), shape: [...shape] };
    this.declared.push(spec);
    return spec;
  }

  protected child<M extends Module>(module: M): M {
    this.children.push(module);
    return module;
  }

  protected sub(name: string): string {
    return joinPath(this.path, name);
  }

  /** This module and every descendant, depth first. */
  *walk(): Generator<Module> {
    yield this;
    for (const child of this.children) yield* child.walk();
  }

  /** Every parameter of this module and its children, in declaration order. */
  parameters(): ParamSpec[] {
    return [...this.declared, ...this.children.flatMap((c) => c.parameters())];
  }
}
