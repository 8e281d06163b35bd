/**
 * `npm run bench -- train`: one training step (forward + backward + Prodigy) of the mid-size
 * config with ICEdit's LoRA-MoE adapter (4 experts of rank 32, top-1), with and without gradient
 * checkpointing, each in its own process (its peak memory is its own), against a raw ONNX Runtime
 * GEMM of the config's dominant shape in this run; and an estimate of one full-size step from a
 * real-size model cut to one double and one single block.
 *
 * FLOPs of a step: the forward, the backward through the frozen base (input gradients only, about
 * one more forward; the adapters' own gradients are small), and with checkpointing the recomputed
 * forward of every block: about 2x (kept activations) or 3x (checkpointing) the forward's FLOPs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLUX_FILL_DEV, FLUX_MID, type FluxParams } from "../src/models/flux/params.js";
import type { Engine } from "../src/runtime/engine.js";
import { runChild } from "./child-process.js";
import { fluxForwardFlops, type FluxShape } from "./flux-flops.js";
import { dominantGemm, gemmThroughput } from "./gemm.js";
import type { TrainCaseSpec } from "./train-child.js";
import { F32 } from "./weight-formats.js";

const CHILD = join(import.meta.dirname, "train-child.js");
const RUNS = Number(process.env["ICEDIT_BENCH_RUNS"] ?? 2);
const CHILD_LIMIT_MS = 20 * 60 * 1000;
/** A 256 x 512 diptych: 16 x 32 latent tokens, and 128 text tokens. */
const MID_SHAPE = { rows: 16, cols: 32, textTokens: 128 };
/** The full size ICEdit trains at: a 512 x 1024 diptych (32 x 64 tokens) and 512 T5 tokens. */
const FULL_SHAPE: FluxShape = { batch: 1, imageTokens: 32 * 64, textTokens: 512 };
/** Real-size blocks, one of each kind, at a smaller sequence (the step at full length would take minutes here). */
const BLOCKS_SHAPE = { rows: 8, cols: 16, textTokens: 64 };

function flopFactor(checkpointing: boolean): number {
  return checkpointing ? 3 : 2;
}

async function trainCase(dir: string, name: string, spec: Omit<TrainCaseSpec, "resultPath" | "runs">): Promise<Record<string, unknown>> {
  const resultPath = join(dir, `${name}.json`);
  const outcome = await runChild(CHILD, [JSON.stringify({ ...spec, runs: RUNS, resultPath })], resultPath, CHILD_LIMIT_MS);
  if (!outcome.result) return { error: outcome.error };
  const shape: FluxShape = { batch: 1, imageTokens: spec.rows * spec.cols, textTokens: spec.textTokens };
  const gflop = (flopFactor(spec.checkpointing) * fluxForwardFlops(spec.params, shape)) / 1e9;
  const ms = outcome.result["step_ms"] as number;
  return { ...outcome.result, gflop_estimate: Math.round(gflop), gflops_per_s: Math.round(gflop / (ms / 1000)) };
}

export async function benchTrain(engine: Engine): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-bench-train-"));
  try {
    const midShape: FluxShape = { batch: 1, imageTokens: MID_SHAPE.rows * MID_SHAPE.cols, textTokens: MID_SHAPE.textTokens };
    const gemm = await gemmThroughput(engine, dominantGemm(FLUX_MID, midShape), [F32], { runs: 8 });
    const mid = {
      config: "flux-mid",
      shape: MID_SHAPE,
      checkpointing: await trainCase(dir, "mid-ckpt", { params: FLUX_MID, ...MID_SHAPE, checkpointing: true }),
      kept_activations: await trainCase(dir, "mid-kept", { params: FLUX_MID, ...MID_SHAPE, checkpointing: false }),
    };
    const blocks: FluxParams = { ...FLUX_FILL_DEV, depth: 1, depthSingleBlocks: 1 };
    const real = await trainCase(dir, "full-blocks", { params: blocks, ...BLOCKS_SHAPE, checkpointing: true });
    const rate = real["gflops_per_s"];
    const fullGflop = (flopFactor(true) * fluxForwardFlops(FLUX_FILL_DEV, FULL_SHAPE)) / 1e9;
    return {
      raw_gemm: { shape: dominantGemm(FLUX_MID, midShape), ...gemm["f32"] },
      mid,
      full_size_blocks: { config: "flux-fill-dev, 1 double + 1 single block", shape: BLOCKS_SHAPE, ...real },
      full_size_step_estimate: {
        shape: FULL_SHAPE,
        gflop: Math.round(fullGflop),
        seconds: typeof rate === "number" && rate > 0 ? Math.round(fullGflop / rate) : null,
        how: "3x the forward FLOPs of FLUX.1 Fill (19 + 38 blocks) at a 512x1024 diptych, at the GFLOP/s the real-size blocks reached",
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
