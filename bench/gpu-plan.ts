/**
 * What the GPU bench runs on every execution provider, at full size or (--quick) at toy sizes that
 * finish in seconds on 2 CPU cores. The parent and each child process derive the same plan from
 * the same options, so a child is told only a case id.
 */
import { FLUX_FILL_DEV, FLUX_MID, type FluxParams } from "../src/models/flux/params.js";
import { FLUX_VAE, type VaeParams } from "../src/models/vae/params.js";
import { layoutShape, type TokenLayout } from "./flux-call.js";
import { dominantGemm, type GemmShape } from "./gemm.js";
import { F32, nbits, type WeightFormat } from "./weight-formats.js";

export interface PlanOptions {
  readonly quick: boolean;
  /** MatMulNBits block size of the int8 / int4 formats. */
  readonly blockSize: number;
}

export interface FluxModelSpec {
  readonly id: string;
  readonly params: FluxParams;
  readonly layout: TokenLayout;
  /** f32 first: it is the reference of the others. */
  readonly formats: readonly WeightFormat[];
}

export interface VaeSpec {
  readonly params: VaeParams;
  readonly height: number;
  readonly width: number;
}

export type GpuCase =
  | { readonly id: string; readonly kind: "gemm"; readonly limitS: number }
  | { readonly id: string; readonly kind: "flux"; readonly model: FluxModelSpec; readonly format: WeightFormat; readonly limitS: number }
  | { readonly id: string; readonly kind: "vae"; readonly limitS: number };

export interface GpuPlan {
  readonly options: PlanOptions;
  readonly gemm: { readonly shape: GemmShape; readonly formats: readonly WeightFormat[] };
  readonly models: readonly FluxModelSpec[];
  readonly vae: VaeSpec;
  readonly cases: readonly GpuCase[];
  /** Timed runs per case, after one first (warm-up) run. */
  readonly runs: number;
}

/** Toy FLUX sizes with the real structure (head dim 64, the RoPE axes scaled down). */
const QUICK_FLUX: FluxParams = {
  ...FLUX_MID,
  hiddenSize: 256,
  numHeads: 4,
  axesDim: [8, 28, 28],
  contextInDim: 256,
  vecInDim: 64,
  depth: 1,
  depthSingleBlocks: 2,
};
const QUICK_BLOCK: FluxParams = { ...QUICK_FLUX, hiddenSize: 384, numHeads: 6, contextInDim: 512, depthSingleBlocks: 1 };
/** The demo model's VAE sizes (not imported from src/demo, which would pull in sharp: this bench needs only onnxruntime-node). */
const QUICK_VAE: VaeParams = { ...FLUX_VAE, ch: 32, chMult: [1, 1, 2, 2], numResBlocks: 1 };

/** The case id of a model in a format: "mid-f32", "block-int8-b32". */
export function caseId(model: FluxModelSpec, format: WeightFormat): string {
  return `${model.id}-${format.name}`;
}

export function gpuPlan(options: PlanOptions): GpuPlan {
  const { quick, blockSize } = options;
  const int8 = nbits(8, blockSize);
  const int4 = nbits(4, blockSize);
  const mid: FluxModelSpec = {
    id: "mid",
    params: quick ? QUICK_FLUX : FLUX_MID,
    layout: quick ? { rows: 8, cols: 16, textTokens: 32 } : { rows: 32, cols: 32, textTokens: 128 },
    formats: [F32, int8, int4],
  };
  // One double-stream and one single-stream block at full width (plus the small embedders and final layer).
  const block: FluxModelSpec = {
    id: "block",
    params: quick ? QUICK_BLOCK : { ...FLUX_FILL_DEV, depth: 1, depthSingleBlocks: 1 },
    layout: quick ? { rows: 16, cols: 16, textTokens: 64 } : { rows: 32, cols: 64, textTokens: 512 },
    formats: [F32, int8],
  };
  const vae: VaeSpec = quick ? { params: QUICK_VAE, height: 128, width: 256 } : { params: FLUX_VAE, height: 512, width: 1024 };
  const limit = (full: number): number => (quick ? 60 : full);
  const cases: GpuCase[] = [{ id: "gemm", kind: "gemm", limitS: limit(150) }];
  for (const model of [mid, block]) {
    for (const format of model.formats)
      cases.push({ id: caseId(model, format), kind: "flux", model, format, limitS: limit(model.id === "block" ? 200 : 150) });
  }
  cases.push({ id: "vae-decode", kind: "vae", limitS: limit(150) });
  return {
    options,
    gemm: { shape: dominantGemm(block.params, layoutShape(block.layout)), formats: [F32, int8, int4] },
    models: [mid, block],
    vae,
    cases,
    runs: quick ? 2 : 3,
  };
}

/** The case whose CPU f32 output a case is compared with (null: not compared). */
export function referenceCase(plan: GpuPlan, id: string): string | null {
  const c = plan.cases.find((x) => x.id === id);
  if (!c || c.kind === "gemm") return null;
  if (c.kind === "vae") return c.id;
  return caseId(c.model, F32);
}
