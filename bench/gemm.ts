/**
 * Achieved GEMM throughput of one shape in each weight format, in the bench's JSON names: the
 * measurement itself is the library's (src/components/kernels/gemm-rate.ts), the same one that
 * `--quant auto` runs to pick a machine's fastest form.
 */
import { validateFluxParams, type FluxParams } from "../src/models/flux/params.js";
import type { Engine } from "../src/runtime/engine.js";
import { gemmRates, type GemmRateOptions, type GemmShape } from "../src/components/kernels/gemm-rate.js";
import type { FluxShape } from "./flux-flops.js";
import type { WeightFormat } from "./weight-formats.js";

export type { GemmShape } from "../src/components/kernels/gemm-rate.js";

export interface GemmTiming {
  readonly ms: number;
  readonly ms_runs: readonly number[];
  readonly gflops_per_s: number;
  readonly relative_error_vs_f32: number | null;
}

/** The largest GEMM of a FLUX config: single_blocks.linear1 (qkv + MLP in) over the joint sequence. */
export function dominantGemm(params: FluxParams, shape: FluxShape): GemmShape {
  const { mlpHidden } = validateFluxParams(params);
  return { m: shape.imageTokens + shape.textTokens, k: params.hiddenSize, n: 3 * params.hiddenSize + mlpHidden };
}

export async function gemmThroughput(
  engine: Engine,
  shape: GemmShape,
  formats: readonly WeightFormat[],
  options: GemmRateOptions,
): Promise<Record<string, GemmTiming>> {
  const rates = await gemmRates(
    engine,
    shape,
    formats.map((f) => f.precision),
    options,
  );
  return Object.fromEntries(
    formats.map((format) => {
      const rate = rates[format.name];
      if (!rate) throw new Error(`no GEMM rate measured for ${format.name}`);
      return [format.name, { ms: rate.ms, ms_runs: rate.msRuns, gflops_per_s: rate.gflopsPerS, relative_error_vs_f32: rate.relativeError }];
    }),
  );
}
