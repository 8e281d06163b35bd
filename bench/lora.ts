/**
 * Per-step cost of adapters on the mid-size transformer (FLUX_MID, 1024 image + 128 text tokens):
 * the base model, ICEdit's LoRA (rank 32 on its targets) as unmerged graph branches, ICEdit's
 * MoE-LoRA (4 experts of rank 32 in ff.net.2 / proj_out, top-1) and the same LoRA merged into the
 * weights. One run, one engine; each time is the median of RUNS steps after a warm-up step, and
 * the base model's steps are interleaved with each variant's so both see the same machine load.
 */
import { fileURLToPath } from "node:url";
import { randomLora, randomMoeLora } from "../src/demo/lora-files.js";
import { Flux } from "../src/models/flux/model.js";
import { imageIds, textIds, type FluxCall } from "../src/models/flux/inputs.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { FLUX_MID, validateFluxParams } from "../src/models/flux/params.js";
import { Prng } from "../src/numeric/prng.js";
import { FluxTransformer, type AdapterOptions } from "../src/components/flux/transformer.js";
import { Engine } from "../src/runtime/engine.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { memorySource } from "../src/weights/memory-source.js";
import { randomTensors } from "../src/demo/random-weights.js";
import type { TensorSource } from "../src/weights/source.js";
import { randomF32 } from "./random.js";
import { median } from "./stats.js";

const RUNS = Number(process.env["ICEDIT_BENCH_LORA_RUNS"] ?? 2);
const RANK = 32;
const EXPERTS = 4;

function mib(tensors: ReadonlyMap<string, Tensor>): number {
  return Math.round(([...tensors.values()].reduce((s, t) => s + t.data.byteLength, 0) / 2 ** 20) * 10) / 10;
}

interface Timing {
  readonly load_ms: number;
  readonly step_ms: number;
  readonly step_ms_runs: number[];
  /** The base model's steps, each run right before one of this variant's. */
  readonly base_step_ms: number;
  readonly base_step_ms_runs: number[];
  readonly overhead_pct: number;
  /** From the fastest step of each: less sensitive to other load on the machine. */
  readonly overhead_pct_min: number;
  /** From the process CPU time (all threads) of the steps: less sensitive to a shared machine than wall time. */
  readonly cpu_ms: number;
  readonly base_cpu_ms: number;
  readonly cpu_overhead_pct: number;
}

/** One step: wall time inside ONNX Runtime and CPU time of the whole process (ms). */
async function timedStep(model: FluxTransformer, call: FluxCall): Promise<{ ms: number; cpu: number }> {
  const before = process.cpuUsage();
  const { ms } = await model.forward(call);
  const used = process.cpuUsage(before);
  return { ms, cpu: (used.user + used.system) / 1000 };
}

/**
 * Loads the variant, warms it up, then alternates base and variant steps (machine noise hits
 * both alike) and compares the medians.
 */
async function timeVariant(
  engine: Engine,
  baseModel: FluxTransformer,
  base: TensorSource,
  call: FluxCall,
  adapters: readonly AdapterOptions[],
): Promise<Timing> {
  const start = performance.now();
  const model = await FluxTransformer.open(engine, { weights: base, params: FLUX_MID, adapters });
  const loadMs = performance.now() - start;
  try {
    await model.forward(call);
    const runs: number[] = [];
    const baseRuns: number[] = [];
    const cpu: number[] = [];
    const baseCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const b = await timedStep(baseModel, call);
      const v = await timedStep(model, call);
      baseRuns.push(b.ms);
      baseCpu.push(b.cpu);
      runs.push(v.ms);
      cpu.push(v.cpu);
    }
    const step = median(runs);
    const baseStep = median(baseRuns);
    const pct = (a: number, b: number): number => Math.round((a / b - 1) * 1000) / 10;
    return {
      load_ms: Math.round(loadMs),
      step_ms: Math.round(step),
      step_ms_runs: runs.map((t) => Math.round(t)),
      base_step_ms: Math.round(baseStep),
      base_step_ms_runs: baseRuns.map((t) => Math.round(t)),
      overhead_pct: pct(step, baseStep),
      overhead_pct_min: pct(Math.min(...runs), Math.min(...baseRuns)),
      cpu_ms: Math.round(median(cpu)),
      base_cpu_ms: Math.round(median(baseCpu)),
      cpu_overhead_pct: pct(median(cpu), median(baseCpu)),
    };
  } finally {
    await model.release();
  }
}

export async function benchLora(engine: Engine): Promise<Record<string, unknown>> {
  const params = FLUX_MID;
  const rows = 32;
  const cols = 32;
  const shape = { batch: 1, imageTokens: rows * cols, textTokens: 128 };
  const base = memorySource(randomTensors(new Flux(params).parameters(), 1, fluxInitRule), "flux-mid (random weights)");
  const loraTensors = randomLora(params, RANK, 5);
  const moeTensors = randomMoeLora(params, RANK, EXPERTS, 6);
  const lora = memorySource(loraTensors, "icedit-lora-r32 (random)");
  const moe = memorySource(moeTensors, "icedit-moe-lora-e4-r32 (random)");
  const prng = new Prng(2);
  const call: FluxCall = {
    img: randomF32(prng, [1, shape.imageTokens, params.inChannels]),
    imgIds: imageIds(1, rows, cols),
    txt: randomF32(prng, [1, shape.textTokens, params.contextInDim]),
    txtIds: textIds(1, shape.textTokens),
    timesteps: tensor("f32", [1], Float32Array.of(0.7)),
    y: randomF32(prng, [1, params.vecInDim]),
    guidance: tensor("f32", [1], Float32Array.of(50)),
  };
  const loadStart = performance.now();
  const baseModel = await FluxTransformer.open(engine, { weights: base, params });
  const baseLoadMs = Math.round(performance.now() - loadStart);
  try {
    await baseModel.forward(call);
    const unmerged = await timeVariant(engine, baseModel, base, call, [{ source: lora }]);
    const moeLora = await timeVariant(engine, baseModel, base, call, [{ source: moe }]);
    const merged = await timeVariant(engine, baseModel, base, call, [{ source: lora, merge: true }]);
    return {
      config: { ...params, ...validateFluxParams(params), ...shape, dtype: "f32" },
      runs: RUNS,
      adapters: {
        lora: { rank: RANK, modules: loraTensors.size / 2, mib: mib(loraTensors) },
        moe_lora: { rank: RANK, experts: EXPERTS, top_k: 1, mib: mib(moeTensors) },
      },
      base: { load_ms: baseLoadMs },
      lora_unmerged: unmerged,
      moe_lora: moeLora,
      lora_merged: merged,
    };
  } finally {
    await baseModel.release();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const engine = new Engine();
  try {
    process.stdout.write(`${JSON.stringify(await benchLora(engine), null, 2)}\n`);
  } finally {
    await engine.close();
  }
}
