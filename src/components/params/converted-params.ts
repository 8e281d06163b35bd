/**
 * Parameters from a converted-weights cache entry: every initializer is an external reference into
 * the entry's data file (nothing is read into this process; ONNX Runtime maps the file), and the
 * graph's .onnx file is written beside it when the session is created.
 */
import type { Graph, Value } from "../../onnx/graph.js";
import type { Module, ParamBinder, ParamSpec, QuantizedWeight } from "../../nn/module.js";
import { MissingTensorError } from "../../weights/errors.js";
import type { TensorSource } from "../../weights/source.js";
import { DATA_FILE, packedNames, sourceStamps, type ConvertedCache, type ConvertedManifest } from "../../weights/converted/index.js";
import { convertTensors, isQuantized, linearWeightPaths } from "./convert-tensors.js";
import { BoundPackings } from "./bound-packings.js";
import type { QuantOptions } from "./quant-options.js";
import { accuracyLevelOf, type AccuracyLevel } from "../precision.js";

/** Bumped whenever the converter's output for the same input changes. */
const CONVERTER_VERSION = 1;

export class ConvertedParams implements ParamBinder {
  private readonly bound = new BoundPackings();

  constructor(
    readonly dir: string,
    readonly manifest: ConvertedManifest,
    readonly accuracyLevel: AccuracyLevel,
    /** Whether this load converted the weights (false: the cache entry was reused). */
    readonly built: boolean,
  ) {}

  private external(graph: Graph, name: string, as: string = name): Value {
    const t = this.manifest.tensors[name];
    if (!t) throw new MissingTensorError(name, this.dir);
    graph.useExternalDataDir(this.dir);
    return graph.addInitializer(as, {
      kind: "external",
      dtype: t.dtype,
      dims: t.dims,
      location: DATA_FILE,
      offset: t.offset,
      length: t.length,
    });
  }

  bind(graph: Graph, spec: ParamSpec): Value {
    return this.external(graph, spec.path);
  }

  bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
    const p = this.manifest.packings[spec.path];
    if (!p) return null;
    const names = packedNames(spec.path, p.bits);
    return this.bound.get(graph, spec.path, () => ({
      b: this.external(graph, names.b),
      scales: this.external(graph, names.scales),
      zeroPoints: p.zeroPoints ? this.external(graph, names.zeroPoints) : null,
      bits: p.bits,
      blockSize: p.blockSize,
      accuracyLevel: this.accuracyLevel,
    }));
  }
}

/** The cache entry for `model` from `source` (built now if needed); null when the source is not a set of files. */
export async function convertedParams(
  model: Module,
  source: TensorSource,
  options: QuantOptions,
  cache: ConvertedCache,
): Promise<ConvertedParams | null> {
  const specs = model.parameters();
  const sources = await sourceStamps(
    source,
    specs.map((s) => s.path),
  );
  if (!sources) return null;
  const linear = linearWeightPaths(model);
  const recipe = JSON.stringify({
    converter: CONVERTER_VERSION,
    params: specs.map((s) => [s.path, s.shape]),
    quantized: specs.filter((s) => isQuantized(s.path, linear, options.keep)).map((s) => s.path),
  });
  const request = {
    component: options.component ?? model.constructor.name.toLowerCase(),
    precision: options.precision.kind,
    blockSize: options.precision.blockSize,
    sources,
    recipe,
  };
  const entry = await cache.open(request, async (writer) => {
    for await (const t of convertTensors(model, source, options)) {
      if (t.kind === "float") await writer.addTensor(t.path, t.tensor);
      else await writer.addPacked(t.path, t.packed);
      options.onTensor?.();
    }
  });
  return new ConvertedParams(entry.dir, entry.manifest, accuracyLevelOf(options.precision), entry.built);
}
