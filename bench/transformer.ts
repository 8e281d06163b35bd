/**
 * The transformer forward on the mid-size config against a raw ONNX Runtime MatMul of its dominant
 * GEMM shape in the same run, and the per-step time of the full denoising loop (host work between
 * steps included).
 */
import { Graph } from "../src/onnx/graph.js";
import { matmul } from "../src/onnx/ops/linear.js";
import { slice } from "../src/onnx/ops/tensor.js";
import type { Engine } from "../src/runtime/engine.js";
import { imageIds, textIds } from "../src/models/flux/inputs.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { FLUX_MID, validateFluxParams } from "../src/models/flux/params.js";
import { Flux } from "../src/models/flux/model.js";
import { FluxTransformer } from "../src/components/flux/transformer.js";
import { denoise } from "../src/pipelines/fill/denoise.js";
import { getSchedule } from "../src/sampling/schedule.js";
import { Prng } from "../src/numeric/prng.js";
import { randomTensors } from "../src/demo/random-weights.js";
import { memorySource } from "../src/weights/memory-source.js";
import { tensor } from "../src/tensor.js";
import { fluxForwardFlops } from "./flux-flops.js";
import { randomF32 } from "./random.js";
import { median, peakRssMiB } from "./stats.js";

const RUNS = Number(process.env["ICEDIT_BENCH_RUNS"] ?? 3);
const ROWS = 32;
const COLS = 32;
const TEXT_TOKENS = 128;

async function timeRuns(run: () => Promise<number>, runs = RUNS): Promise<number[]> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await run());
  return times;
}

/** The largest GEMM of the config: single_blocks.linear1 over the joint sequence. */
async function rawMatMul(engine: Engine): Promise<Record<string, unknown>> {
  const { mlpHidden } = validateFluxParams(FLUX_MID);
  const m = ROWS * COLS + TEXT_TOKENS;
  const k = FLUX_MID.hiddenSize;
  const n = 3 * FLUX_MID.hiddenSize + mlpHidden;
  const prng = new Prng(3);
  const g = new Graph("raw_matmul");
  const a = g.addInput("a", "f32", [m, k]);
  // Only one row leaves the session, so the timing is the GEMM, not copying 50 MB of output out
  // of ONNX Runtime on every run (inside the transformer, intermediates stay in its arena too).
  const y = matmul(a, g.addInitializer("w", { kind: "inline", tensor: randomF32(prng, [k, n], 0.02) }));
  g.addOutput(slice(y, 0, 0, 1), "y");
  const session = await engine.load(g);
  const feeds = { a: randomF32(prng, [m, k]) };
  const times = await timeRuns(async () => (await session.run(feeds)).ms, Math.max(RUNS, 8));
  await session.release();
  const ms = median(times);
  return { shape: { m, k, n }, ms, gflops_per_s: (2 * m * k * n) / 1e9 / (ms / 1000) };
}

export async function benchTransformer(engine: Engine): Promise<Record<string, unknown>> {
  const params = FLUX_MID;
  const shape = { batch: 1, imageTokens: ROWS * COLS, textTokens: TEXT_TOKENS };
  const before = await rawMatMul(engine);
  const weights = randomTensors(new Flux(params).parameters(), 1, fluxInitRule);
  const weightBytes = [...weights.values()].reduce((s, t) => s + t.data.byteLength, 0);
  const loadStart = performance.now();
  const transformer = await FluxTransformer.open(engine, { weights: memorySource(weights), params });
  const loadMs = performance.now() - loadStart;
  weights.clear();
  const prng = new Prng(2);
  const x = randomF32(prng, [1, shape.imageTokens, 64]);
  const cond = {
    imgCond: randomF32(prng, [1, shape.imageTokens, params.inChannels - 64]),
    imgIds: imageIds(1, ROWS, COLS),
    txt: randomF32(prng, [1, TEXT_TOKENS, params.contextInDim]),
    txtIds: textIds(1, TEXT_TOKENS),
    y: randomF32(prng, [1, params.vecInDim]),
    guidance: [50],
  };
  const call = {
    img: randomF32(prng, [1, shape.imageTokens, params.inChannels]),
    imgIds: cond.imgIds,
    txt: cond.txt,
    txtIds: cond.txtIds,
    timesteps: tensor("f32", [1], Float32Array.of(0.7)),
    y: cond.y,
    guidance: tensor("f32", [1], Float32Array.of(50)),
  };
  const forward = await timeRuns(async () => (await transformer.forward(call)).ms);
  const loopSteps = 3;
  const stepMs: number[] = [];
  const loopStart = performance.now();
  await denoise(transformer, x, cond, getSchedule(loopSteps, shape.imageTokens), { onStep: (s) => stepMs.push(s.ms) });
  const loopMs = performance.now() - loopStart;
  await transformer.release();
  const after = await rawMatMul(engine);
  const flops = fluxForwardFlops(params, shape);
  const ms = median(forward);
  const gflops = flops / 1e9 / (ms / 1000);
  const raw = Math.max(Number(before["gflops_per_s"]), Number(after["gflops_per_s"]));
  return {
    config: { ...params, ...validateFluxParams(params), ...shape, dtype: "f32" },
    weight_mib: Math.round(weightBytes / 2 ** 20),
    session_create_ms: Math.round(loadMs),
    forward_ms: Math.round(ms),
    forward_ms_runs: forward.map(Math.round),
    gflop: flops / 1e9,
    gflops_per_s: gflops,
    raw_matmul: { before, after },
    transformer_vs_matmul: gflops / raw,
    loop: {
      steps: loopSteps,
      step_ms: stepMs.map(Math.round),
      ms_per_step: Math.round(loopMs / loopSteps),
      host_overhead_ms_per_step: Math.round(loopMs / loopSteps - ms),
    },
    peak_rss_mib: peakRssMiB(),
  };
}
