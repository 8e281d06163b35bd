/**
 * One training-step case of `npm run bench -- train`, in its own process so that its peak memory
 * is its own: `node dist/bench/train-child.js '<TrainCaseSpec JSON>'`. Opens the training step of a
 * random FLUX with a fresh ICEdit LoRA-MoE adapter, times forward + backward and the optimizer
 * step, and writes the result as JSON to spec.resultPath.
 */
import { writeFile } from "node:fs/promises";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { randomTensors } from "../src/demo/random-weights.js";
import { imageIds, textIds } from "../src/models/flux/inputs.js";
import { Flux } from "../src/models/flux/model.js";
import { validateFluxParams, type FluxParams } from "../src/models/flux/params.js";
import { Prng } from "../src/numeric/prng.js";
import { Engine } from "../src/runtime/engine.js";
import { tensor } from "../src/tensor.js";
import { freshTrainableAdapter } from "../src/train/adapter/index.js";
import { clipGradNorm, createOptimizer } from "../src/train/optim/index.js";
import { TrainingStep } from "../src/train/step/index.js";
import { iceditLoraModules } from "../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../src/weights/lora/targets.js";
import { memorySource } from "../src/weights/memory-source.js";
import { randomF32 } from "./random.js";
import { median, peakRssMiB } from "./stats.js";

export interface TrainCaseSpec {
  readonly params: FluxParams;
  readonly rows: number;
  readonly cols: number;
  readonly textTokens: number;
  readonly checkpointing: boolean;
  readonly runs: number;
  readonly resultPath: string;
}

function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

async function runCase(spec: TrainCaseSpec): Promise<Record<string, unknown>> {
  const { params, rows, cols, textTokens } = spec;
  const model = new Flux(params);
  const targets = LoraTargets.fromParams(model.parameters());
  const modules = iceditLoraModules({ ...params, mlpHidden: validateFluxParams(params).mlpHidden });
  // ICEdit's adapter: 4 experts of rank 32 on ff.net / proj_out, rank-32 LoRA elsewhere, top-1.
  const adapter = freshTrainableAdapter(targets, modules, { rank: 32, experts: 4, topK: 1, seed: 666 });
  const weights = randomTensors(model.parameters(), 1, fluxInitRule);
  const engine = new Engine();
  try {
    const openStart = performance.now();
    const step = await TrainingStep.open(engine, { params, adapter, weights: memorySource(weights), checkpointing: spec.checkpointing });
    const openMs = performance.now() - openStart;
    weights.clear();
    const afterOpenMiB = peakRssMiB();
    // The open's peak (weights copied into the session) hides the step's: sample the resident size
    // while the steps run (ONNX Runtime runs in a worker thread, so this thread is free to look).
    global.gc?.();
    const baseMiB = rssMiB();
    let stepPeakMiB = baseMiB;
    const sampler = setInterval(() => {
      stepPeakMiB = Math.max(stepPeakMiB, rssMiB());
    }, 10);
    const prng = new Prng(2);
    const tokens = rows * cols;
    const inputs = {
      x0: randomF32(prng, [1, tokens, params.outChannels]),
      imgCond: randomF32(prng, [1, tokens, params.inChannels - params.outChannels]),
      txt: randomF32(prng, [1, textTokens, params.contextInDim]),
      y: randomF32(prng, [1, params.vecInDim]),
      imgIds: imageIds(1, rows, cols),
      txtIds: textIds(1, textTokens),
      t: tensor("f32", [1], Float32Array.of(0.5)),
      noise: randomF32(prng, [1, tokens, params.outChannels]),
    };
    const values = adapter.cloneInitial();
    const optimizer = createOptimizer("prodigy", values, { lr: 1, weight_decay: 0.01, use_bias_correction: true, safeguard_warmup: true });
    const stepMs: number[] = [];
    const optimizerMs: number[] = [];
    for (let r = 0; r <= spec.runs; r++) {
      const start = performance.now();
      const result = await step.run(inputs, values);
      const mid = performance.now();
      clipGradNorm(result.grads, 0.5);
      optimizer.step(result.grads);
      const end = performance.now();
      // Run 0 warms up (first-run allocations); the rest are timed.
      if (r > 0) {
        stepMs.push(mid - start);
        optimizerMs.push(end - mid);
      }
    }
    clearInterval(sampler);
    await step.release();
    const trainable = adapter.keys.reduce((s, k) => s + adapter.dims(k).reduce((a, b) => a * b, 1), 0);
    return {
      checkpointing: spec.checkpointing,
      open_ms: Math.round(openMs),
      step_ms: Math.round(median(stepMs)),
      step_ms_runs: stepMs.map((v) => Math.round(v)),
      optimizer_ms: Math.round(median(optimizerMs)),
      trainable_params: trainable,
      peak_rss_after_open_mib: afterOpenMiB,
      peak_rss_mib: peakRssMiB(),
      rss_before_steps_mib: baseMiB,
      rss_during_steps_peak_mib: stepPeakMiB,
      step_memory_mib: stepPeakMiB - baseMiB,
    };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as TrainCaseSpec;
  const result = await runCase(spec);
  await writeFile(spec.resultPath, JSON.stringify(result));
}

await main();
