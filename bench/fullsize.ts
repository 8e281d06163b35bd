/**
 * One FLUX.1 Fill [dev] transformer step at full size (12B-shaped, random weights generated here,
 * never committed) on a 512x1024 diptych: 2048 image + 512 text tokens, with int8 (or int4)
 * MatMulNBits weights. The weights are written straight into an external-data file one tensor at a
 * time (no copy of the model in JavaScript memory), then ONNX Runtime maps them.
 * Opt-in: `npm run bench -- fullsize` (writes ~12 GB under the temp folder, removed afterwards).
 * $ICEDIT_BENCH_FULLSIZE_BITS (8) and $ICEDIT_BENCH_FULLSIZE_BLOCK (32) pick the weights' form.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../src/runtime/engine.js";
import { FLUX_FILL_DEV } from "../src/models/flux/params.js";
import { fluxFeeds } from "../src/models/flux/inputs.js";
import type { Tensor } from "../src/tensor.js";
import { randomFluxCall } from "./flux-call.js";
import { FULL_LAYOUT } from "./fullsize-step.js";
import { writeFullSizeTransformer } from "./fullsize-transformer.js";
import { peakRssMiB } from "./stats.js";

const BITS = Number(process.env["ICEDIT_BENCH_FULLSIZE_BITS"] ?? 8) as 4 | 8;
const BLOCK = Number(process.env["ICEDIT_BENCH_FULLSIZE_BLOCK"] ?? 32);

export async function benchFullSize(engine: Engine): Promise<Record<string, unknown>> {
  // ICEDIT_BENCH_FULLSIZE_BLOCKS=d,s limits the depth (a quick dry run of the same code path).
  const limit = process.env["ICEDIT_BENCH_FULLSIZE_BLOCKS"]?.split(",").map(Number);
  const params = limit ? { ...FLUX_FILL_DEV, depth: limit[0] ?? 1, depthSingleBlocks: limit[1] ?? 1 } : FLUX_FILL_DEV;
  const dir = await mkdtemp(join(tmpdir(), "icedit-fullsize-"));
  try {
    const written = await writeFullSizeTransformer(dir, params, { bits: BITS, blockSize: BLOCK, accuracyLevel: 4 });
    const { graph, modelPath } = written;
    const loadStart = performance.now();
    const session = await engine.load(graph, {}, modelPath);
    const loadMs = performance.now() - loadStart;
    const rssAfterLoad = peakRssMiB();
    const feeds = fluxFeeds(params, randomFluxCall(params, FULL_LAYOUT, 6));
    const first = await session.run(feeds);
    const second = await session.run(feeds);
    await session.release();
    const out = first.outputs["out"] as Tensor<"f32">;
    return {
      depth: { double: params.depth, single: params.depthSingleBlocks },
      bits: BITS,
      block_size: BLOCK,
      tokens: { image: FULL_LAYOUT.rows * FULL_LAYOUT.cols, text: FULL_LAYOUT.textTokens },
      quantized_params: written.quantizedParams,
      float_params: written.floatParams,
      weights_file_gib: +(written.weightsBytes / 2 ** 30).toFixed(2),
      write_ms: Math.round(written.writeMs),
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
