/**
 * Loads a model's parameters with its linear weights block-quantized for MatMulNBits (int8 or
 * int4). Without a cache the conversion runs at every load, one tensor at a time, and the result is
 * held in memory; with a ConvertedCache it runs once, into a cache entry whose data file ONNX
 * Runtime then reads directly (converted-params.ts). Layers in `keep` (by default for FLUX the
 * small input embedders and the final layer, as city96's FLUX GGUF files do) stay in float.
 */
import type { Graph } from "../../onnx/graph.js";
import type { Module, ParamBinder, ParamSpec, QuantizedWeight } from "../../nn/module.js";
import type { Tensor } from "../../tensor.js";
import type { TensorSource } from "../../weights/source.js";
import type { PackedNBits } from "../../weights/quant/index.js";
import { checkParams, InlineParams, type ParamHints } from "./load-params.js";
import { convertTensors } from "./convert-tensors.js";
import { convertedParams } from "./converted-params.js";
import { BoundPackings } from "./bound-packings.js";
import type { QuantOptions } from "./quant-options.js";
import { accuracyLevelOf, type AccuracyLevel } from "../precision.js";

export type { QuantOptions } from "./quant-options.js";

/** The float tensors bind as InlineParams do; the packed linear weights bind as MatMulNBits inputs. */
export class QuantizedParams extends InlineParams {
  private readonly bound = new BoundPackings();

  constructor(
    readonly floats: ReadonlyMap<string, Tensor<"f32">>,
    readonly packed: ReadonlyMap<string, PackedNBits>,
    readonly accuracyLevel: AccuracyLevel,
  ) {
    super(floats);
  }

  bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
    const p = this.packed.get(spec.path);
    if (!p) return null;
    return this.bound.get(graph, spec.path, () => ({
      b: graph.addInitializer(`${spec.path}.q${p.bits}`, { kind: "inline", tensor: p.b }),
      scales: graph.addInitializer(`${spec.path}.scales`, { kind: "inline", tensor: p.scales }),
      zeroPoints: p.zeroPoints ? graph.addInitializer(`${spec.path}.zero_points`, { kind: "inline", tensor: p.zeroPoints }) : null,
      bits: p.bits,
      blockSize: p.blockSize,
      accuracyLevel: this.accuracyLevel,
    }));
  }
}

/**
 * Checks every parameter's presence and shape, then converts (or finds the cached conversion).
 * `part`: the parameters one graph reads (default all): a conversion in memory converts only
 * those; a cache entry holds the whole model, of which the graph binds what it reads.
 */
export async function loadQuantizedParams(
  model: Module,
  source: TensorSource,
  options: QuantOptions,
  hints: ParamHints = {},
  part: readonly ParamSpec[] = model.parameters(),
): Promise<ParamBinder> {
  checkParams(model.parameters(), source, hints);
  if (options.cache) {
    const cached = await convertedParams(model, source, options, options.cache);
    if (cached) return cached;
  }
  return quantizeParams(model, source, options, part);
}

/** Converts `part` (default all parameters) in memory (no cache); shapes must be checked before. */
export async function quantizeParams(
  model: Module,
  source: TensorSource,
  options: QuantOptions,
  part: readonly ParamSpec[] = model.parameters(),
): Promise<QuantizedParams> {
  const floats = new Map<string, Tensor<"f32">>();
  const packed = new Map<string, PackedNBits>();
  for await (const t of convertTensors(model, source, options, part)) {
    if (t.kind === "float") floats.set(t.path, t.tensor);
    else packed.set(t.path, t.packed);
  }
  return new QuantizedParams(floats, packed, accuracyLevelOf(options.precision));
}
