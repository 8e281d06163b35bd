/**
 * Loads a model's parameters with its linear weights block-quantized for MatMulNBits (int8 or
 * int4), one tensor at a time: each weight is read (upcast), quantized and its float copy dropped,
 * so the float model never sits in memory whole. GGUF Q8_0 / Q4_0 tensors are repacked from their
 * blocks without a float round trip. Layers in `keep` (by default the small input embedders and the
 * final layer, as city96's FLUX GGUF files do) stay in float.
 */
import type { Graph, Value } from "../onnx/graph.js";
import { Linear } from "../nn/linear.js";
import type { Module, ParamBinder, ParamSpec, QuantizedWeight } from "../nn/module.js";
import type { Tensor } from "../tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../weights/errors.js";
import type { TensorSource } from "../weights/source.js";
import { packGgufBlocks, quantizeNBits, type PackedNBits } from "../weights/quant/index.js";
import type { MismatchHint, MissingHint } from "./load-params.js";

export interface QuantOptions {
  readonly bits: 4 | 8;
  /** Elements per block along the input dimension (a power of two >= 16). Default 32. */
  readonly blockSize?: number;
  /** MatMulNBits accuracy_level: 4 quantizes activations to int8 (fast), 0 keeps them float. Default 4. */
  readonly accuracyLevel?: 0 | 4;
  /** Linear layers (module paths) kept in float. */
  readonly keep?: (linearPath: string) => boolean;
}

/** What city96's FLUX GGUF files and ICEdit's memory advice keep in float: the *_in embedders and the final layer. */
export function defaultFluxKeep(path: string): boolean {
  return /^(img_in|txt_in|time_in|vector_in|guidance_in|final_layer)(\.|$)/.test(path);
}

interface BlockSource {
  readBlocks(name: string): Promise<Parameters<typeof packGgufBlocks>[0]>;
}

function hasBlocks(source: TensorSource): source is TensorSource & BlockSource {
  return typeof (source as Partial<BlockSource>).readBlocks === "function";
}

/** The GGUF block type of a tensor, when the source is a GGUF file. */
function blockType(source: TensorSource, name: string): string | undefined {
  const entry: object = source.entry(name);
  return "ggmlType" in entry && typeof entry.ggmlType === "string" ? entry.ggmlType : undefined;
}

export class QuantizedParams implements ParamBinder {
  private readonly bound = new Map<string, QuantizedWeight>();

  constructor(
    readonly floats: ReadonlyMap<string, Tensor<"f32">>,
    readonly packed: ReadonlyMap<string, PackedNBits>,
    readonly accuracyLevel: 0 | 4,
  ) {}

  bind(graph: Graph, spec: ParamSpec): Value {
    const t = this.floats.get(spec.path);
    if (!t) throw new MissingTensorError(spec.path, "(loaded parameters)");
    return graph.addInitializer(spec.path, { kind: "inline", tensor: t });
  }

  bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
    const p = this.packed.get(spec.path);
    if (!p) return null;
    let q = this.bound.get(spec.path);
    if (!q) {
      q = {
        b: graph.addInitializer(`${spec.path}.q${p.bits}`, { kind: "inline", tensor: p.b }),
        scales: graph.addInitializer(`${spec.path}.scales`, { kind: "inline", tensor: p.scales }),
        zeroPoints: p.zeroPoints ? graph.addInitializer(`${spec.path}.zero_points`, { kind: "inline", tensor: p.zeroPoints }) : null,
        bits: p.bits,
        blockSize: p.blockSize,
        accuracyLevel: this.accuracyLevel,
      };
      this.bound.set(spec.path, q);
    }
    return q;
  }

  /** Bytes held: packed codes + scales, and the float tensors. */
  bytes(): { packed: number; float: number } {
    let packed = 0;
    for (const p of this.packed.values()) packed += p.b.data.byteLength + p.scales.data.byteLength + (p.zeroPoints?.data.byteLength ?? 0);
    let float = 0;
    for (const t of this.floats.values()) float += t.data.byteLength;
    return { packed, float };
  }
}

/** The weight paths of every Linear in `model` (the tensors MatMulNBits can take). */
export function linearWeightPaths(model: Module): Set<string> {
  const paths = new Set<string>();
  for (const m of model.walk()) if (m instanceof Linear) paths.add(m.weight.path);
  return paths;
}

export async function loadQuantizedParams(
  model: Module,
  source: TensorSource,
  options: QuantOptions,
  hints: { mismatch?: MismatchHint; missing?: MissingHint } = {},
): Promise<QuantizedParams> {
  const specs = model.parameters();
  const keep = options.keep ?? (() => false);
  const linear = linearWeightPaths(model);
  for (const spec of specs) {
    if (!source.has(spec.path)) throw new MissingTensorError(spec.path, source.description, hints.missing?.(spec));
    const dims = source.entry(spec.path).dims;
    if (dims.length !== spec.shape.length || dims.some((d, i) => d !== spec.shape[i])) {
      throw new ShapeMismatchError(spec.path, source.description, spec.shape, dims, hints.mismatch?.(spec, dims));
    }
  }
  const floats = new Map<string, Tensor<"f32">>();
  const packed = new Map<string, PackedNBits>();
  const blockSize = options.blockSize ?? 32;
  for (const spec of specs) {
    const layer = spec.path.slice(0, -".weight".length);
    if (!linear.has(spec.path) || keep(layer)) {
      floats.set(spec.path, await source.readF32(spec.path));
      continue;
    }
    const ggmlType = blockType(source, spec.path);
    const nativeBlocks = (ggmlType === "Q8_0" && options.bits === 8) || (ggmlType === "Q4_0" && options.bits === 4);
    if (nativeBlocks && blockSize === 32 && hasBlocks(source)) {
      packed.set(spec.path, packGgufBlocks(await source.readBlocks(spec.path)));
    } else {
      packed.set(spec.path, quantizeNBits(await source.readF32(spec.path), { bits: options.bits, blockSize }));
    }
  }
  return new QuantizedParams(floats, packed, options.accuracyLevel ?? 4);
}
