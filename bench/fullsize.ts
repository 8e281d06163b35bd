/**
 * One FLUX.1 Fill [dev] transformer step at full size (12B-shaped, random weights generated here,
 * never committed) on a 512x1024 diptych: 2048 image + 512 text tokens, with int8 (or int4)
 * MatMulNBits weights. The weights are written straight into an external-data file one tensor at a
 * time (no copy of the model in JavaScript memory), then ONNX Runtime maps them.
 * Opt-in: `npm run bench -- fullsize` (writes ~12 GB under the temp folder, removed afterwards).
 */
import { randomFillSync } from "node:crypto";
import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Graph, type InitializerData, type Value } from "../src/onnx/graph.js";
import { modelProto } from "../src/onnx/model-proto.js";
import type { Engine } from "../src/runtime/engine.js";
import { Flux, buildFluxGraph } from "../src/models/flux/model.js";
import { FLUX_FILL_DEV } from "../src/models/flux/params.js";
import { fluxInitRule } from "../src/models/flux/init.js";
import { fluxFeeds, imageIds, textIds } from "../src/models/flux/inputs.js";
import type { ParamBinder, ParamSpec, QuantizedWeight } from "../src/nn/module.js";
import { defaultFluxKeep, linearWeightPaths } from "../src/pipelines/quantized-params.js";
import { Prng } from "../src/numeric/prng.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { peakRssMiB } from "./stats.js";

const BITS = Number(process.env["ICEDIT_BENCH_FULLSIZE_BITS"] ?? 8) as 4 | 8;
const BLOCK = 32;
const DATA = "weights.data";

class ExternalWriter {
  offset = 0;
  constructor(private readonly file: FileHandle) {}

  async add(t: Tensor): Promise<InitializerData> {
    const pad = (64 - (this.offset % 64)) % 64;
    if (pad) await this.file.write(new Uint8Array(pad));
    this.offset += pad;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    await this.file.write(bytes);
    const at = this.offset;
    this.offset += bytes.byteLength;
    return { kind: "external", dtype: t.dtype, dims: t.dims, location: DATA, offset: at, length: bytes.byteLength };
  }
}

interface PackedRef {
  readonly b: InitializerData;
  readonly scales: InitializerData;
}

class ExternalParams implements ParamBinder {
  constructor(
    private readonly floats: ReadonlyMap<string, InitializerData>,
    private readonly packed: ReadonlyMap<string, PackedRef>,
  ) {}

  bind(graph: Graph, spec: ParamSpec): Value {
    return graph.addInitializer(spec.path, this.floats.get(spec.path) as InitializerData);
  }

  private readonly bound = new Map<string, QuantizedWeight>();
  bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
    const p = this.packed.get(spec.path);
    if (!p) return null;
    let q = this.bound.get(spec.path);
    if (!q) {
      q = { b: graph.addInitializer(`${spec.path}.q`, p.b), scales: graph.addInitializer(`${spec.path}.scales`, p.scales), zeroPoints: null, bits: BITS, blockSize: BLOCK, accuracyLevel: 4 };
      this.bound.set(spec.path, q);
    }
    return q;
  }
}

export async function benchFullSize(engine: Engine): Promise<Record<string, unknown>> {
  // ICEDIT_BENCH_FULLSIZE_BLOCKS=d,s limits the depth (a quick dry run of the same code path).
  const limit = process.env["ICEDIT_BENCH_FULLSIZE_BLOCKS"]?.split(",").map(Number);
  const params = limit ? { ...FLUX_FILL_DEV, depth: limit[0] ?? 1, depthSingleBlocks: limit[1] ?? 1 } : FLUX_FILL_DEV;
  const model = new Flux(params);
  const linear = linearWeightPaths(model);
  const dir = await mkdtemp(join(tmpdir(), "icedit-fullsize-"));
  try {
    const writeStart = performance.now();
    const file = await open(join(dir, DATA), "w");
    const writer = new ExternalWriter(file);
    const floats = new Map<string, InitializerData>();
    const packed = new Map<string, PackedRef>();
    const prng = new Prng(5);
    let quantizedParams = 0;
    let floatParams = 0;
    try {
      for (const spec of model.parameters()) {
        const [n, k] = spec.shape as [number, number];
        if (linear.has(spec.path) && !defaultFluxKeep(spec.path.slice(0, -".weight".length))) {
          const nBlocks = Math.ceil(k / BLOCK);
          const codes = tensor("u8", [n, nBlocks, (BLOCK * BITS) / 8]);
          randomFillSync(codes.data);
          // uniform codes around the zero point: std of the weights ~ 0.02
          const scale = BITS === 8 ? 0.02 / 73 : 0.02 / 4.6;
          const scales = tensor("f32", [n, nBlocks], new Float32Array(n * nBlocks).fill(scale));
          packed.set(spec.path, { b: await writer.add(codes), scales: await writer.add(scales) });
          quantizedParams += n * k;
        } else {
          const t = tensor("f32", spec.shape);
          const { std, mean = 0 } = fluxInitRule(spec);
          prng.fillNormal(t.data, std, mean);
          floats.set(spec.path, await writer.add(t));
          floatParams += t.data.length;
        }
      }
    } finally {
      await file.close();
    }
    const writeMs = performance.now() - writeStart;
    const graph = buildFluxGraph(model, new ExternalParams(floats, packed), { name: "flux_fill_dev_full" });
    const modelPath = join(dir, "model.onnx");
    const proto = await open(modelPath, "w");
    try {
      for (const piece of modelProto(graph).finish()) await proto.write(piece);
    } finally {
      await proto.close();
    }
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
