/**
 * Quantized transformer weights against f32, on the demo and the mid-size config (random weights,
 * the same inputs): one forward (one denoising step) per weight format (f32, MatMulNBits int8 and
 * int4 at block 32 and 128, int8 activations), its time (median of RUNS after a warm-up), weight
 * bytes, error of `out` against f32 and speedup; then the achieved GEMM throughput of the config's
 * dominant shape in the same formats. A short table goes to standard error.
 */
import { Flux } from "../src/models/flux/model.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { FLUX_MID, type FluxParams } from "../src/models/flux/params.js";
import { DEMO_FLUX } from "../src/demo/make-demo-model.js";
import { FluxTransformer } from "../src/components/flux/transformer.js";
import type { Engine } from "../src/runtime/engine.js";
import { memorySource } from "../src/weights/memory-source.js";
import { randomTensors } from "../src/demo/random-weights.js";
import type { TensorSource } from "../src/weights/source.js";
import type { FluxCall } from "../src/models/flux/inputs.js";
import { fluxForwardFlops } from "./flux-flops.js";
import { layoutShape, randomFluxCall, type TokenLayout } from "./flux-call.js";
import { dominantGemm, gemmThroughput, type GemmTiming } from "./gemm.js";
import { outputError, type OutputError } from "./output-error.js";
import { median, peakRssMiB } from "./stats.js";
import { ALL_FORMATS, fluxWeightBytes, type WeightFormat } from "./weight-formats.js";

const RUNS = Number(process.env["ICEDIT_BENCH_QUANT_RUNS"] ?? 3);
const GEMM_RUNS = Number(process.env["ICEDIT_BENCH_QUANT_GEMM_RUNS"] ?? 4);

interface QuantConfig {
  readonly name: string;
  readonly params: FluxParams;
  readonly layout: TokenLayout;
}

/** The demo edit's step (512-wide diptych, 512 prompt tokens) and the transformer section's mid-size step. */
const CONFIGS: readonly QuantConfig[] = [
  { name: "demo", params: DEMO_FLUX, layout: { rows: 32, cols: 64, textTokens: 512 } },
  { name: "mid", params: FLUX_MID, layout: { rows: 32, cols: 32, textTokens: 128 } },
];

interface FormatResult {
  readonly weight_mib: number;
  readonly load_ms: number;
  readonly forward_ms: number;
  readonly forward_ms_runs: readonly number[];
  readonly gflops_per_s: number;
  readonly speedup_vs_f32: number;
  readonly error_vs_f32: OutputError | null;
}

async function forwardTimes(
  engine: Engine,
  source: TensorSource,
  params: FluxParams,
  call: FluxCall,
  format: WeightFormat,
): Promise<{ loadMs: number; runs: number[]; out: Float32Array }> {
  const loadStart = performance.now();
  const model = await FluxTransformer.open(engine, {
    weights: source,
    params,
    precision: format.precision,
  });
  const loadMs = performance.now() - loadStart;
  try {
    const out = (await model.forward(call)).out.data;
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push((await model.forward(call)).ms);
    return { loadMs, runs, out };
  } finally {
    await model.release();
  }
}

async function benchConfig(engine: Engine, config: QuantConfig): Promise<Record<string, unknown>> {
  const { params, layout } = config;
  const shape = layoutShape(layout);
  const weights = randomTensors(new Flux(params).parameters(), 1, fluxInitRule);
  const source = memorySource(weights, `random ${config.name} transformer`);
  const call = randomFluxCall(params, layout, 2);
  const gflop = fluxForwardFlops(params, shape) / 1e9;
  const formats: Record<string, FormatResult> = {};
  let reference: { out: Float32Array; ms: number } | null = null;
  for (const format of ALL_FORMATS) {
    const { loadMs, runs, out } = await forwardTimes(engine, source, params, call, format);
    const ms = median(runs);
    reference ??= { out, ms };
    formats[format.name] = {
      weight_mib: +(fluxWeightBytes(params, format) / 2 ** 20).toFixed(1),
      load_ms: Math.round(loadMs),
      forward_ms: Math.round(ms * 10) / 10,
      forward_ms_runs: runs.map((t) => Math.round(t * 10) / 10),
      gflops_per_s: Math.round(gflop / (ms / 1000)),
      speedup_vs_f32: +(reference.ms / ms).toFixed(2),
      error_vs_f32: format.quant ? outputError(out, reference.out) : null,
    };
  }
  weights.clear();
  const gemmShape = dominantGemm(params, shape);
  const gemm = await gemmThroughput(engine, gemmShape, ALL_FORMATS, { runs: GEMM_RUNS });
  return {
    config: { ...params, ...shape },
    gflop: +gflop.toFixed(2),
    runs: RUNS,
    accuracy_level: 4,
    formats,
    gemm: { shape: gemmShape, op: "f32: MatMul; intN: com.microsoft.MatMulNBits", runs: GEMM_RUNS, formats: gemm },
  };
}

function table(name: string, result: Record<string, unknown>): string {
  const formats = result["formats"] as Record<string, FormatResult>;
  const gemm = (result["gemm"] as { formats: Record<string, GemmTiming> }).formats;
  const lines = [`quant ${name}: format      weights MiB  forward ms  speedup  rel RMS err  max abs err  GEMM GFLOP/s`];
  for (const [format, r] of Object.entries(formats)) {
    const err = r.error_vs_f32;
    lines.push(
      `  ${format.padEnd(10)} ${r.weight_mib.toFixed(1).padStart(12)} ${r.forward_ms.toFixed(1).padStart(11)} ${r.speedup_vs_f32.toFixed(2).padStart(8)}` +
        ` ${(err ? err.relative_rms.toExponential(2) : "-").padStart(12)} ${(err ? err.max_abs.toExponential(2) : "-").padStart(12)} ${String(gemm[format]?.gflops_per_s ?? "-").padStart(13)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function benchQuant(engine: Engine): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const config of CONFIGS) {
    const start = performance.now();
    const r = await benchConfig(engine, config);
    result[config.name] = { ...r, section_ms: Math.round(performance.now() - start) };
    process.stderr.write(table(config.name, r));
  }
  result["peak_rss_mib"] = peakRssMiB();
  return result;
}
