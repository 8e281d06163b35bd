/**
 * `npm run bench -- speed [--blocks 1+1] [--runs 3] [--count 40] [--steps 28] [--stages none]`:
 * issue 16's numbers in one JSON object: this machine's kernel table and the form `--quant auto`
 * picks; the same-run GEMM rate of that form and of int8-b32; the full-size step (2048 image + 512
 * text tokens) measured on D+S blocks in both forms and extrapolated to 19+38 blocks; its achieved
 * GFLOP/s against the GEMM rate; the whole 28-step edit estimated from the step and the measured
 * stages (CLIP-L, T5-XXL extrapolated from 2 blocks, the VAE at 512x1024); the step at 128, 256
 * and 512 text tokens; and on the trained demo model each step-cache setting's speed, accuracy and
 * difference to the uncached edits, and each text length's step time and difference.
 * Default scale: about 10-15 minutes on 2 quiet cores; `--blocks 1+1 --count 8 --stages none`
 * runs in a few minutes.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import type { Engine } from "../src/runtime/engine.js";
import { fastestForm } from "../src/api/auto-quant.js";
import { kernelTable, KERNEL_PROBE_SHAPE } from "../src/components/kernels/kernel-table.js";
import { gemmRates } from "../src/components/kernels/gemm-rate.js";
import { precisionName, precisionOf, type Precision } from "../src/components/precision.js";
import { iceditCacheDir } from "../src/weights/hub/cache-dirs.js";
import { benchClip, benchT5 } from "./text-encoders.js";
import { benchVae } from "./vae.js";
import { benchFullSizeSteps } from "./speed-step.js";
import { benchDemoSpeed } from "./speed-demo.js";
import { benchFlags, flagBlocks, flagNumber } from "./flags.js";

const EDIT_STEPS = 28;
const INT8_B32 = precisionOf("int8", 32);

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function num(record: Record<string, unknown>, key: string): number | null {
  const v = record[key];
  return typeof v === "number" ? v : null;
}

/** CLIP-L + T5-XXL (24 blocks, extrapolated) and the VAE encode / decode at 512x1024, ms. */
async function measureStages(
  engine: Engine,
): Promise<{ text_ms: number | null; vae_encode_ms: number | null; vae_decode_ms: number | null }> {
  const clip = await benchClip(engine);
  const t5 = await benchT5(engine);
  const vae = await benchVae(engine);
  const clipMs = num(clip, "encode_ms");
  const t5Ms = num(t5, "estimated_encode_ms_24_blocks");
  return {
    text_ms: clipMs !== null && t5Ms !== null ? clipMs + t5Ms : null,
    vae_encode_ms: num(vae, "encode_ms"),
    vae_decode_ms: num(vae, "decode_ms"),
  };
}

export async function benchSpeed(engine: Engine): Promise<Record<string, unknown>> {
  const say = (line: string): void => void process.stderr.write(`speed: ${line}\n`);
  const flags = benchFlags().values;
  const blocks = flagBlocks({ double: 1, single: 1 });
  const runs = Math.max(1, flagNumber("runs", 3));
  const textTokens = (flags.get("text-tokens") ?? "128,256,512").split(",").map(Number);
  const loadBefore = load();

  const kernels = await kernelTable(engine, { dir: join(iceditCacheDir(), "kernels"), onMeasure: () => say("measuring the kernel table") });
  const auto = fastestForm(kernels);
  const chosen: Precision = auto.precision;
  const forms = precisionName(chosen) === precisionName(INT8_B32) ? [chosen] : [chosen, INT8_B32];
  say(`auto picks ${precisionName(chosen)} (${auto.record.reason})`);

  const gemm = await gemmRates(engine, KERNEL_PROBE_SHAPE, forms, { runs: 3 });
  const steps = await benchFullSizeSteps(engine, forms, { blocks, runs, textTokens, say });
  const stages = flags.get("stages") === "none" ? null : await measureStages(engine);
  const demo =
    flagNumber("count", 40) > 0
      ? await benchDemoSpeed({
          count: flagNumber("count", 40),
          steps: flagNumber("steps", EDIT_STEPS),
          textCount: flagNumber("text-count", 4),
          textTokens,
          say,
        })
      : null;

  const stageMs =
    stages && stages.text_ms !== null && stages.vae_encode_ms !== null && stages.vae_decode_ms !== null
      ? stages.text_ms + stages.vae_encode_ms + stages.vae_decode_ms
      : null;
  const step = (name: string) => steps.find((st) => st.form === name);
  const chosenStep = step(precisionName(chosen));
  const b32Step = step(precisionName(INT8_B32));
  const chosenGemm = gemm[precisionName(chosen)]?.gflopsPerS ?? null;
  return {
    load_before: loadBefore,
    kernel_table: {
      file: kernels.file,
      cached: kernels.cached,
      measured_at: kernels.table.measuredAt,
      shape: kernels.table.shape,
      rates: Object.fromEntries(
        Object.entries(kernels.table.rates).map(([k, r]) => [k, { gflops_per_s: r.gflopsPerS, relative_error: r.relativeError }]),
      ),
      auto: auto.record.chosen,
      reason: auto.record.reason,
    },
    same_run_gemm: Object.fromEntries(Object.entries(gemm).map(([k, r]) => [k, { gflops_per_s: r.gflopsPerS, ms_runs: r.msRuns }])),
    full_size_step: {
      blocks_measured: blocks,
      runs,
      forms: steps,
      chosen_vs_int8_b32: chosenStep && b32Step ? Math.round((b32Step.full_step_s / chosenStep.full_step_s) * 100) / 100 : null,
      chosen_vs_gemm_rate: chosenStep && chosenGemm ? Math.round((chosenStep.achieved_gflops_per_s / chosenGemm) * 100) / 100 : null,
    },
    stages_ms: stages,
    whole_edit_28_steps_s: Object.fromEntries(
      steps.map((st) => [st.form, stageMs === null ? null : Math.round(stageMs / 1000 + EDIT_STEPS * st.full_step_s)]),
    ),
    whole_edit_note:
      stageMs === null ? "stages not measured (--stages none)" : "text + VAE encode + 28 steps + VAE decode; loading not included",
    demo,
    load_after: load(),
  };
}
