/**
 * A FLUX.1 Fill [dev] transformer of the real widths (12B-shaped at full depth, random weights
 * generated here, never committed) as an ONNX model with external MatMulNBits weights, written one
 * tensor at a time (no copy of the model in JavaScript memory) for ONNX Runtime to map. Used by the
 * `fullsize`, `speed` and step-profile benches.
 */
import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import type { Graph } from "../src/onnx/graph.js";
import { Flux, buildFluxGraph } from "../src/models/flux/model.js";
import type { FluxParams } from "../src/models/flux/params.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { linearWeightPaths, isQuantized } from "../src/components/params/convert-tensors.js";
import { defaultFluxKeep } from "../src/components/flux/spec.js";
import { Prng } from "../src/numeric/prng.js";
import { tensor } from "../src/tensor.js";
import {
  ExternalWriter,
  ManifestParams,
  writeModelProto,
  type ExternalTensor,
  type PackedRef,
  type WeightManifest,
} from "./external-weights.js";
import type { NBitsFormat } from "./weight-formats.js";

const DATA = "weights.data";

export interface FullSizeTransformer {
  readonly graph: Graph;
  readonly modelPath: string;
  /** Where each weight lies in the data file (other graphs over the same weights bind it too). */
  readonly manifest: WeightManifest;
  readonly quantizedParams: number;
  readonly floatParams: number;
  readonly weightsBytes: number;
  readonly writeMs: number;
}

/** Writes `params`' transformer into `dir` (model.onnx + weights.data) with its block linears in `form`. */
export async function writeFullSizeTransformer(dir: string, params: FluxParams, form: NBitsFormat): Promise<FullSizeTransformer> {
  const { bits, blockSize } = form;
  const model = new Flux(params);
  const linear = linearWeightPaths(model);
  const writeStart = performance.now();
  const writer = await ExternalWriter.create(join(dir, DATA), DATA);
  const floats: Record<string, ExternalTensor> = {};
  const packed: Record<string, PackedRef> = {};
  const prng = new Prng(5);
  let quantizedParams = 0;
  let floatParams = 0;
  try {
    for (const spec of model.parameters()) {
      const [n, k] = spec.shape as [number, number];
      if (isQuantized(spec.path, linear, defaultFluxKeep)) {
        const nBlocks = Math.ceil(k / blockSize);
        const codes = tensor("u8", [n, nBlocks, (blockSize * bits) / 8]);
        randomFillSync(codes.data);
        // uniform codes around the zero point: std of the weights ~ 0.02
        const scale = bits === 8 ? 0.02 / 73 : 0.02 / 4.6;
        const scales = tensor("f32", [n, nBlocks], new Float32Array(n * nBlocks).fill(scale));
        packed[spec.path] = { b: await writer.add(codes), scales: await writer.add(scales), bits, blockSize };
        quantizedParams += n * k;
      } else {
        const t = tensor("f32", spec.shape);
        const { std, mean = 0 } = fluxInitRule(spec);
        prng.fillNormal(t.data, std, mean);
        floats[spec.path] = await writer.add(t);
        floatParams += t.data.length;
      }
    }
  } finally {
    await writer.close();
  }
  const writeMs = performance.now() - writeStart;
  const manifest: WeightManifest = { floats, packed, accuracyLevel: form.accuracyLevel };
  const graph = buildFluxGraph(model, new ManifestParams(manifest), {
    name: "flux_fill_dev_full",
  });
  const modelPath = join(dir, "model.onnx");
  await writeModelProto(graph, modelPath);
  return { graph, modelPath, manifest, quantizedParams, floatParams, weightsBytes: writer.offset, writeMs };
}
