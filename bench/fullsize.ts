/**
 * One FLUX.1 Fill [dev] transformer step at full size (12B-shaped, random weights generated here,
 * never committed) on a 512x1024 diptych: 2048 image + 512 text tokens, with int8 (or int4)
 * MatMulNBits weights. The weights are written straight into an external-data file one tensor at a
 * time (no copy of the model in JavaScript memory), then ONNX Runtime maps them.
 * Opt-in: `npm run bench -- fullsize` (writes ~12 GB under the temp folder, removed afterwards).
 * $ICEDIT_BENCH_FULLSIZE_BITS (8) and $ICEDIT_BENCH_FULLSIZE_BLOCK (32) pick the weights' form.
 */
import { randomFillSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../src/runtime/engine.js";
import { Flux, buildFluxGraph } from "../src/models/flux/model.js";
import { FLUX_FILL_DEV } from "../src/models/flux/params.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { fluxFeeds, imageIds, textIds } from "../src/models/flux/inputs.js";
import { linearWeightPaths } from "../src/components/params/convert-tensors.js";
import { defaultFluxKeep } from "../src/components/flux/spec.js";
import { isQuantized } from "../src/components/params/convert-tensors.js";
import { Prng } from "../src/numeric/prng.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { ExternalWriter, ManifestParams, writeModelProto, type ExternalTensor, type PackedRef } from "./external-weights.js";
import { peakRssMiB } from "./stats.js";

const BITS = Number(process.env["ICEDIT_BENCH_FULLSIZE_BITS"] ?? 8) as 4 | 8;
const BLOCK = Number(process.env["ICEDIT_BENCH_FULLSIZE_BLOCK"] ?? 32);
const DATA = "weights.data";

export async function benchFullSize(engine: Engine): Promise<Record<string, unknown>> {
  // ICEDIT_BENCH_FULLSIZE_BLOCKS=d,s limits the depth (a quick dry run of the same code path).
  const limit = process.env["ICEDIT_BENCH_FULLSIZE_BLOCKS"]?.split(",").map(Number);
  const params = limit ? { ...FLUX_FILL_DEV, depth: limit[0] ?? 1, depthSingleBlocks: limit[1] ?? 1 } : FLUX_FILL_DEV;
  const model = new Flux(params);
  const linear = linearWeightPaths(model);
  const dir = await mkdtemp(join(tmpdir(), "icedit-fullsize-"));
  try {
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
          const nBlocks = Math.ceil(k / BLOCK);
          const codes = tensor("u8", [n, nBlocks, (BLOCK * BITS) / 8]);
          randomFillSync(codes.data);
          // uniform codes around the zero point: std of the weights ~ 0.02
          const scale = BITS === 8 ? 0.02 / 73 : 0.02 / 4.6;
          const scales = tensor("f32", [n, nBlocks], new Float32Array(n * nBlocks).fill(scale));
          packed[spec.path] = { b: await writer.add(codes), scales: await writer.add(scales), bits: BITS, blockSize: BLOCK };
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
    const graph = buildFluxGraph(model, new ManifestParams({ floats, packed, accuracyLevel: 4 }), { name: "flux_fill_dev_full" });
    const modelPath = join(dir, "model.onnx");
    await writeModelProto(graph, modelPath);
    const loadStart = performance.now();
    const session = await engine.load(graph, {}, modelPath);
    const loadMs = performance.now() - loadStart;
    const rssAfterLoad = peakRssMiB();
    const prngIn = new Prng(6);
    const r = (dims: number[]): Tensor<"f32"> => {
      const t = tensor("f32", dims);
      prngIn.fillNormal(t.data, 1);
      return t;
    };
    const rows = 32;
    const cols = 64;
    const feeds = fluxFeeds(params, {
      img: r([1, rows * cols, params.inChannels]),
      imgIds: imageIds(1, rows, cols),
      txt: r([1, 512, params.contextInDim]),
      txtIds: textIds(1, 512),
      timesteps: tensor("f32", [1], Float32Array.of(0.7)),
      y: r([1, params.vecInDim]),
      guidance: tensor("f32", [1], Float32Array.of(50)),
    });
    const first = await session.run(feeds);
    const second = await session.run(feeds);
    await session.release();
    const out = first.outputs["out"] as Tensor<"f32">;
    return {
      depth: { double: params.depth, single: params.depthSingleBlocks },
      bits: BITS,
      block_size: BLOCK,
      tokens: { image: rows * cols, text: 512 },
      quantized_params: quantizedParams,
      float_params: floatParams,
      weights_file_gib: +(writer.offset / 2 ** 30).toFixed(2),
      write_ms: Math.round(writeMs),
      session_create_ms: Math.round(loadMs),
      step_ms: [Math.round(first.ms), Math.round(second.ms)],
      output_finite: out.data.every(Number.isFinite),
      peak_rss_mib_after_load: rssAfterLoad,
      peak_rss_mib: peakRssMiB(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
