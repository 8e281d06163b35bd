/**
 * Writes each model of the GPU bench once, before any provider runs: random weights drawn one
 * tensor at a time (the same values as randomTensors with the same seed and init rule), written in
 * every format of the model (f32, and MatMulNBits codes quantized from those f32 values) as
 * `<dir>/<case id>/{model.onnx, weights.data, manifest.json}`. Each child process then only rebuilds
 * the graph from the manifest and lets ONNX Runtime map the file.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Flux, buildFluxGraph } from "../src/models/flux/model.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { AutoEncoder, buildVaeDecoderGraph } from "../src/models/vae/model.js";
import { vaeInitRule } from "../src/demo/init/vae.js";
import type { Graph } from "../src/onnx/graph.js";
import { linearWeightPaths } from "../src/components/params/convert-tensors.js";
import { defaultFluxKeep } from "../src/components/flux/spec.js";
import { isQuantized } from "../src/components/params/convert-tensors.js";
import { Prng } from "../src/numeric/prng.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { quantizeNBits } from "../src/weights/quant/index.js";
import type { ParamShape, InitRule } from "../src/demo/random-weights.js";
import {
  ExternalWriter,
  ManifestParams,
  manifestBytes,
  writeManifest,
  writeModelProto,
  type ExternalTensor,
  type PackedRef,
  type WeightManifest,
} from "./external-weights.js";
import { caseId, type FluxModelSpec, type VaeSpec } from "./gpu-plan.js";
import type { WeightFormat } from "./weight-formats.js";

const DATA = "weights.data";
export const FLUX_WEIGHT_SEED = 1;
export const VAE_WEIGHT_SEED = 7;

export interface PreparedModel {
  readonly modelPath: string;
  readonly manifest: WeightManifest;
}

export function preparedDir(dir: string, id: string): string {
  return join(dir, "models", id);
}

export async function readPrepared(dir: string, id: string): Promise<PreparedModel> {
  const at = preparedDir(dir, id);
  const manifest = JSON.parse(await readFile(join(at, "manifest.json"), "utf8")) as WeightManifest;
  return { modelPath: join(at, "model.onnx"), manifest };
}

export function fluxGraph(model: FluxModelSpec, manifest: WeightManifest): Graph {
  return buildFluxGraph(new Flux(model.params), new ManifestParams(manifest), { name: `flux_${model.id}` });
}

export function vaeDecoderGraph(vae: VaeSpec, manifest: WeightManifest): Graph {
  return buildVaeDecoderGraph(new AutoEncoder(vae.params).decoder, new ManifestParams(manifest));
}

interface FormatWriter {
  readonly id: string;
  readonly format: WeightFormat;
  readonly writer: ExternalWriter;
  readonly floats: Record<string, ExternalTensor>;
  readonly packed: Record<string, PackedRef>;
}

/** Writes every format of `model`; returns the weight bytes of each case id. */
export async function prepareFlux(dir: string, model: FluxModelSpec): Promise<Record<string, number>> {
  const flux = new Flux(model.params);
  const linear = linearWeightPaths(flux);
  const outs: FormatWriter[] = [];
  for (const format of model.formats) {
    const id = caseId(model, format);
    await mkdir(preparedDir(dir, id), { recursive: true });
    outs.push({ id, format, writer: await ExternalWriter.create(join(preparedDir(dir, id), DATA), DATA), floats: {}, packed: {} });
  }
  const prng = new Prng(FLUX_WEIGHT_SEED);
  try {
    for (const spec of flux.parameters()) {
      const t = randomTensor(prng, spec, fluxInitRule);
      const quantizable = isQuantized(spec.path, linear, defaultFluxKeep);
      for (const out of outs) {
        const q = out.format.quant;
        if (q && quantizable) {
          const p = quantizeNBits(t, { bits: q.bits, blockSize: q.blockSize });
          out.packed[spec.path] = {
            b: await out.writer.add(p.b),
            scales: await out.writer.add(p.scales),
            bits: q.bits,
            blockSize: q.blockSize,
          };
        } else {
          out.floats[spec.path] = await out.writer.add(t);
        }
      }
    }
  } finally {
    for (const out of outs) await out.writer.close();
  }
  const bytes: Record<string, number> = {};
  for (const out of outs) {
    const manifest: WeightManifest = { floats: out.floats, packed: out.packed, accuracyLevel: out.format.quant?.accuracyLevel ?? 4 };
    await writeManifest(manifest, join(preparedDir(dir, out.id), "manifest.json"));
    await writeModelProto(fluxGraph(model, manifest), join(preparedDir(dir, out.id), "model.onnx"));
    bytes[out.id] = manifestBytes(manifest);
  }
  return bytes;
}

/** Writes the VAE decoder (f32) as case "vae-decode"; returns its weight bytes. */
export async function prepareVaeDecoder(dir: string, vae: VaeSpec): Promise<number> {
  const at = preparedDir(dir, "vae-decode");
  await mkdir(at, { recursive: true });
  const writer = await ExternalWriter.create(join(at, DATA), DATA);
  const floats: Record<string, ExternalTensor> = {};
  const prng = new Prng(VAE_WEIGHT_SEED);
  try {
    for (const spec of new AutoEncoder(vae.params).decoder.parameters())
      floats[spec.path] = await writer.add(randomTensor(prng, spec, vaeInitRule));
  } finally {
    await writer.close();
  }
  const manifest: WeightManifest = { floats, packed: {}, accuracyLevel: 4 };
  await writeManifest(manifest, join(at, "manifest.json"));
  await writeModelProto(vaeDecoderGraph(vae, manifest), join(at, "model.onnx"));
  return manifestBytes(manifest);
}

function randomTensor(prng: Prng, spec: ParamShape, rule: (p: ParamShape) => InitRule): Tensor<"f32"> {
  const t = tensor("f32", spec.shape);
  const { std, mean = 0 } = rule(spec);
  prng.fillNormal(t.data, std, mean);
  return t;
}
