/**
 * Time of one training step (forward, loss and every adapter gradient in one ONNX Runtime run;
 * the host optimizer step is not included) on a frozen random FLUX with a fresh ICEdit MoE-LoRA:
 * the golden T1 config at the lora-train cases' size, and the demo model's config at ICEdit's
 * training size (a 512x1024 diptych: 2048 image tokens) and at half of it, each with and without
 * gradient checkpointing. Median of RUNS steps after a warm-up step. Run: node dist/bench/train-step.js [configs...]
 */
import { fileURLToPath } from "node:url";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { DEMO_FLUX, DEMO_LORA } from "../src/demo/make-demo-model.js";
import { randomTensors } from "../src/demo/random-weights.js";
import { imageIds, textIds } from "../src/models/flux/inputs.js";
import { Flux } from "../src/models/flux/model.js";
import { GOLDEN_T1, validateFluxParams, type FluxParams } from "../src/models/flux/params.js";
import { Prng } from "../src/numeric/prng.js";
import { Engine } from "../src/runtime/engine.js";
import { tensor } from "../src/tensor.js";
import { freshTrainableAdapter } from "../src/train/adapter/index.js";
import { TrainingStep, type TrainingInputs } from "../src/train/step/index.js";
import { iceditLoraModules } from "../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../src/weights/lora/targets.js";
import { memorySource } from "../src/weights/memory-source.js";
import { randomF32 } from "./random.js";
import { median } from "./stats.js";

const RUNS = Number(process.env["ICEDIT_BENCH_TRAIN_RUNS"] ?? 3);

interface StepConfig {
  readonly name: string;
  readonly params: FluxParams;
  /** Latent grid of the diptych (packed tokens rows x cols) and text tokens. */
  readonly rows: number;
  readonly cols: number;
  readonly text: number;
  readonly rank: number;
  readonly experts: number;
}

const CONFIGS: readonly StepConfig[] = [
  { name: "t1-golden", params: GOLDEN_T1, rows: 2, cols: 4, text: 5, rank: 4, experts: 4 },
  { name: "demo-256x512", params: DEMO_FLUX, rows: 16, cols: 32, text: 512, rank: DEMO_LORA.rank, experts: DEMO_LORA.experts },
  { name: "demo-512x1024", params: DEMO_FLUX, rows: 32, cols: 64, text: 512, rank: DEMO_LORA.rank, experts: DEMO_LORA.experts },
];

function inputs(c: StepConfig): TrainingInputs {
  const p = c.params;
  const tokens = c.rows * c.cols;
  const prng = new Prng(1);
  return {
    x0: randomF32(prng, [1, tokens, p.outChannels]),
    imgCond: randomF32(prng, [1, tokens, p.inChannels - p.outChannels]),
    txt: randomF32(prng, [1, c.text, p.contextInDim]),
    y: randomF32(prng, [1, p.vecInDim]),
    imgIds: imageIds(1, c.rows, c.cols),
    txtIds: textIds(1, c.text),
    t: tensor("f32", [1], new Float32Array([0.6])),
    noise: randomF32(prng, [1, tokens, p.outChannels]),
  };
}

export async function benchTrainStep(engine: Engine, names: readonly string[] = []): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const c of CONFIGS.filter((x) => names.length === 0 || names.includes(x.name))) {
    const model = new Flux(c.params);
    const targets = LoraTargets.fromParams(model.parameters());
    const { mlpHidden } = validateFluxParams(c.params);
    const adapter = freshTrainableAdapter(targets, iceditLoraModules({ ...c.params, mlpHidden }), {
      rank: c.rank,
      experts: c.experts,
      seed: 666,
    });
    const weights = memorySource(randomTensors(model.parameters(), 1, fluxInitRule));
    for (const checkpointing of [true, false]) {
      const started = performance.now();
      const step = await TrainingStep.open(engine, { weights, params: c.params, adapter, checkpointing });
      const loadMs = performance.now() - started;
      try {
        const x = inputs(c);
        const params = adapter.cloneInitial();
        await step.run(x, params);
        const runs: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          await step.run(x, params);
          runs.push(performance.now() - t0);
        }
        const result = {
          image_tokens: c.rows * c.cols,
          text_tokens: c.text,
          adapter_tensors: adapter.keys.length,
          checkpointing,
          load_ms: Math.round(loadMs),
          step_ms: Math.round(median(runs)),
          step_ms_runs: runs.map(Math.round),
        };
        const name = `${c.name}${checkpointing ? "" : "-no-checkpointing"}`;
        process.stderr.write(`${name}: ${JSON.stringify(result)}\n`);
        out[name] = result;
      } finally {
        await step.release();
      }
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const engine = new Engine();
  try {
    console.log(JSON.stringify(await benchTrainStep(engine, process.argv.slice(2)), null, 2));
  } finally {
    await engine.close();
  }
}
