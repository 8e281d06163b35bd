/**
 * One case of the GPU bench on one execution provider, in its own process (started by gpu.ts):
 * `node dist/bench/gpu-child.js '<ChildSpec JSON>'`. Writes its timings (or the error) as JSON to
 * spec.resultPath and the case's output tensor, raw little-endian f32, to spec.outputPath.
 */
import { writeFile } from "node:fs/promises";
import { fluxFeeds } from "../src/models/flux/inputs.js";
import type { Graph } from "../src/onnx/graph.js";
import { Prng } from "../src/numeric/prng.js";
import { Engine } from "../src/runtime/engine.js";
import type { ExecutionProvider, SessionSettings } from "../src/runtime/protocol.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { fluxForwardFlops } from "./flux-flops.js";
import { layoutShape, randomFluxCall } from "./flux-call.js";
import { gemmThroughput } from "./gemm.js";
import { fluxGraph, readPrepared, vaeDecoderGraph } from "./gpu-prepare.js";
import { gpuPlan, type GpuCase, type GpuPlan, type PlanOptions } from "./gpu-plan.js";
import { probeProvider } from "./probe.js";
import { median } from "./stats.js";

export interface ChildSpec {
  readonly provider: ExecutionProvider;
  /** A case id of the plan, or "probe" (a tiny graph: can this provider create and run a session?). */
  readonly caseId: string;
  readonly plan: PlanOptions;
  readonly dir: string;
  readonly resultPath: string;
  readonly outputPath: string;
}

const PROBE = "probe";
const CALL_SEED = 2;
const LATENT_SEED = 11;

interface Timed {
  readonly session_create_ms: number;
  readonly first_run_ms: number;
  readonly ms: number;
  readonly ms_runs: readonly number[];
}

/** Loads a prepared graph, runs it once (first run: kernel selection, shader compilation) and `runs` times more. */
async function timeGraph(
  engine: Engine,
  graph: Graph,
  modelPath: string,
  settings: Partial<SessionSettings>,
  feeds: Record<string, Tensor>,
  output: string,
  runs: number,
): Promise<{ timed: Timed; out: Tensor }> {
  const createStart = performance.now();
  const session = await engine.load(graph, settings, modelPath);
  const createMs = performance.now() - createStart;
  try {
    const first = await session.run(feeds, [output]);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push((await session.run(feeds, [output])).ms);
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    const timed = {
      session_create_ms: Math.round(createMs),
      first_run_ms: round(first.ms),
      ms: round(median(times)),
      ms_runs: times.map(round),
    };
    return { timed, out: first.outputs[output] as Tensor };
  } finally {
    await session.release();
  }
}

async function runCase(engine: Engine, plan: GpuPlan, c: GpuCase, spec: ChildSpec): Promise<Record<string, unknown>> {
  const settings: Partial<SessionSettings> = { executionProvider: spec.provider };
  if (c.kind === "gemm") {
    return {
      shape: plan.gemm.shape,
      formats: await gemmThroughput(engine, plan.gemm.shape, plan.gemm.formats, { runs: plan.runs * 2, settings }),
    };
  }
  const prepared = await readPrepared(spec.dir, c.id);
  if (c.kind === "flux") {
    const { params, layout } = c.model;
    const feeds = fluxFeeds(params, randomFluxCall(params, layout, CALL_SEED));
    const { timed, out } = await timeGraph(
      engine,
      fluxGraph(c.model, prepared.manifest),
      prepared.modelPath,
      settings,
      feeds,
      "out",
      plan.runs,
    );
    await writeFile(spec.outputPath, new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength));
    const gflop = fluxForwardFlops(params, layoutShape(layout)) / 1e9;
    return { ...timed, gflop: +gflop.toFixed(1), gflops_per_s: Math.round(gflop / (timed.ms / 1000)) };
  }
  const { vae } = plan;
  const latent = tensor("f32", [1, vae.params.zChannels, vae.height / 8, vae.width / 8]);
  new Prng(LATENT_SEED).fillNormal(latent.data, 1);
  const { timed, out } = await timeGraph(
    engine,
    vaeDecoderGraph(vae, prepared.manifest),
    prepared.modelPath,
    settings,
    { latent },
    "image",
    plan.runs,
  );
  await writeFile(spec.outputPath, new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  return { ...timed, image: [1, vae.params.outCh, vae.height, vae.width] };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as ChildSpec;
  const engine = new Engine();
  let result: Record<string, unknown>;
  try {
    const plan = gpuPlan(spec.plan);
    const c = plan.cases.find((x) => x.id === spec.caseId);
    if (spec.caseId === PROBE) {
      await probeProvider(engine, { executionProvider: spec.provider });
      result = { ok: true };
    } else if (!c) throw new Error(`no case ${spec.caseId} in the plan (cases: ${plan.cases.map((x) => x.id).join(", ")})`);
    else result = await runCase(engine, plan, c, spec);
  } catch (error) {
    result = { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await engine.close();
  }
  await writeFile(spec.resultPath, JSON.stringify(result));
}

await main();
