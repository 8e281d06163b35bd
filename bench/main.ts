/**
 * npm run bench: the transformer forward on the mid-size config against a raw ONNX Runtime MatMul
 * of its dominant GEMM shape, in the same run. Prints one JSON object.
 */
import { cpus, totalmem } from "node:os";
import { Graph } from "../src/onnx/graph.js";
import { matmul } from "../src/onnx/ops/linear.js";
import { Engine } from "../src/runtime/engine.js";
import { Flux, buildFluxGraph } from "../src/models/flux/model.js";
import { imageIds, textIds, fluxFeeds } from "../src/models/flux/inputs.js";
import { fluxInitRule } from "../src/models/flux/init.js";
import { FLUX_MID, validateFluxParams } from "../src/models/flux/params.js";
import { InlineParams } from "../src/pipelines/load-params.js";
import { Prng } from "../src/numeric/prng.js";
import { randomTensors } from "../src/weights/random.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { fluxForwardFlops } from "./flux-flops.js";

const RUNS = Number(process.env["ICEDIT_BENCH_RUNS"] ?? 3);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function randomF32(prng: Prng, dims: readonly number[], std = 1): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

async function timeRuns(run: () => Promise<number>): Promise<number[]> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await run());
  return times;
}

async function benchTransformer(engine: Engine): Promise<Record<string, unknown>> {
  const params = FLUX_MID;
  const rows = 32;
  const cols = 32;
  const shape = { batch: 1, imageTokens: rows * cols, textTokens: 128 };
  const model = new Flux(params);
  const weights = randomTensors(model.parameters(), 1, fluxInitRule);
  const weightBytes = [...weights.values()].reduce((s, t) => s + t.data.byteLength, 0);
  const graph = buildFluxGraph(model, new InlineParams(weights), { name: "flux_mid" });
  weights.clear();
  const loadStart = performance.now();
  const session = await engine.load(graph);
  const loadMs = performance.now() - loadStart;
  const prng = new Prng(2);
  const feeds = fluxFeeds(params, {
    img: randomF32(prng, [1, shape.imageTokens, params.inChannels]),
    imgIds: imageIds(1, rows, cols),
    txt: randomF32(prng, [1, shape.textTokens, params.contextInDim]),
    txtIds: textIds(1, shape.textTokens),
    timesteps: tensor("f32", [1], Float32Array.of(0.7)),
    y: randomF32(prng, [1, params.vecInDim]),
    guidance: tensor("f32", [1], Float32Array.of(50)),
  });
  const times = await timeRuns(async () => (await session.run(feeds)).ms);
  await session.release();
  const flops = fluxForwardFlops(params, shape);
  const ms = median(times);
  return {
    config: { ...params, ...validateFluxParams(params), ...shape, dtype: "f32" },
    weight_mib: Math.round(weightBytes / 2 ** 20),
    session_create_ms: Math.round(loadMs),
    forward_ms: Math.round(ms),
    forward_ms_runs: times.map((t) => Math.round(t)),
    gflop: flops / 1e9,
    gflops_per_s: flops / 1e9 / (ms / 1000),
  };
}

/** The largest GEMM of the config: single_blocks.linear1 over the joint sequence. */
async function benchMatMul(engine: Engine): Promise<Record<string, unknown>> {
  const p = FLUX_MID;
  const { mlpHidden } = validateFluxParams(p);
  const m = 32 * 32 + 128;
  const k = p.hiddenSize;
  const n = 3 * p.hiddenSize + mlpHidden;
  const prng = new Prng(3);
  const g = new Graph("raw_matmul");
  const a = g.addInput("a", "f32", [m, k]);
  const w = g.addInitializer("w", { kind: "inline", tensor: randomF32(prng, [k, n], 0.02) });
  g.addOutput(matmul(a, w), "y");
  const session = await engine.load(g);
  const feeds = { a: randomF32(prng, [m, k]) };
  const times = await timeRuns(async () => (await session.run(feeds)).ms);
  await session.release();
  const ms = median(times);
  const flops = 2 * m * k * n;
  return { shape: { m, k, n }, ms, ms_runs: times, gflops_per_s: flops / 1e9 / (ms / 1000) };
}

async function main(): Promise<void> {
  const engine = new Engine();
  try {
    const matmulFirst = await benchMatMul(engine);
    const transformer = await benchTransformer(engine);
    const matmulAfter = await benchMatMul(engine);
    const rawGflops = Math.max(Number(matmulFirst["gflops_per_s"]), Number(matmulAfter["gflops_per_s"]));
    const result = {
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
      runs: RUNS,
      transformer_mid: transformer,
      raw_matmul: { before: matmulFirst, after: matmulAfter },
      transformer_vs_matmul: Number(transformer["gflops_per_s"]) / rawGflops,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await engine.close();
  }
}

await main();
