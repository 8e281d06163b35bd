/**
 * The precision `quant: "auto"` picks, and why. float32 when the whole model at float32 fits the
 * memory budget (the demo and small models: exact and, at small widths, fastest). Otherwise, on the
 * CPU, the fastest block-quantized form of this machine's kernel table (measured once per machine,
 * components/kernels/) among those whose product error is acceptable (AUTO_MAX_GEMM_ERROR: the int8
 * forms, at any block size and accuracy level; int4's error is ten times larger, so it is only ever
 * asked for); on a GPU, int4 (the target is a 12 GB card), float32 only for models whose weights stay
 * under 8 GiB.
 */
import type { ExecutionProvider } from "../runtime/protocol.js";
import {
  activationBytes,
  componentEstimates,
  DEFAULT_WORK,
  totalBytes,
  weightBytes,
  type ModelSizes,
} from "../components/memory-estimates.js";
import {
  F32,
  isQuantizedPrecision,
  precisionName,
  precisionOf,
  QUANTIZED_KIND,
  type Precision,
  type QuantizedPrecision,
} from "../components/precision.js";
import { KERNEL_FORMS, type KernelTableResult } from "../components/kernels/kernel-table.js";
import { DEFAULT_BLOCK_SIZE } from "../weights/quant/index.js";

const GPU_FLOAT_LIMIT_BYTES = 8 * 2 ** 30;

/** The largest relative RMS error of the kernel table's product that auto accepts (int8: under 1%; int4: about 9%). */
export const AUTO_MAX_GEMM_ERROR = 0.02;

/** What auto chose and from what: kept in the model's identity (and so in every edit's record). */
export interface AutoQuantRecord {
  /** "f32", "int8-b128", "int8-b64-acc1", ... */
  readonly chosen: string;
  readonly reason: string;
  /** The kernel table the choice was made from (null where none was needed). */
  readonly kernels: {
    readonly file: string | null;
    /** true: read from the cache; false: measured by this open. */
    readonly cached: boolean;
    readonly machine: string;
    /** GFLOP/s and relative error of every measured form. */
    readonly rates: Readonly<Record<string, { readonly gflopsPerS: number; readonly relativeError: number | null }>>;
  } | null;
}

export interface AutoPrecision {
  readonly precision: Precision;
  readonly record: AutoQuantRecord;
}

export interface AutoQuantOptions {
  /** Only forms of this block size (the user's --block-size); absent: any. */
  readonly blockSize?: number;
  /** This machine's kernel table (read or measured only when the choice needs it). */
  readonly kernels: () => Promise<KernelTableResult>;
}

function floatFits(sizes: ModelSizes, device: ExecutionProvider, budgetBytes: number): boolean {
  const weights = weightBytes(sizes);
  return device === "cpu"
    ? totalBytes(componentEstimates(weights, activationBytes(sizes, DEFAULT_WORK))) <= budgetBytes
    : totalBytes(weights) <= GPU_FLOAT_LIMIT_BYTES;
}

/** The fastest acceptable quantized form of a kernel table (block size restricted where given). */
export function fastestForm(result: KernelTableResult, blockSize?: number): AutoPrecision & { readonly precision: QuantizedPrecision } {
  const { table } = result;
  const candidates = KERNEL_FORMS.filter(isQuantizedPrecision).filter(
    (form) =>
      (blockSize === undefined || form.blockSize === blockSize) &&
      (table.rates[precisionName(form)]?.relativeError ?? Number.POSITIVE_INFINITY) <= AUTO_MAX_GEMM_ERROR,
  );
  const rate = (form: Precision): number => table.rates[precisionName(form)]?.gflopsPerS ?? 0;
  const best = candidates.reduce<QuantizedPrecision | null>((a, b) => (a === null || rate(b) > rate(a) ? b : a), null);
  const kernels = {
    file: result.file,
    cached: result.cached,
    machine: `${table.machine.cpu}, ${table.machine.logicalCores} cores, ${table.machine.flags.join(" ") || "no listed flags"}`,
    rates: Object.fromEntries(
      Object.entries(table.rates).map(([name, r]) => [name, { gflopsPerS: r.gflopsPerS, relativeError: r.relativeError }]),
    ),
  };
  if (best === null) {
    const fallback: QuantizedPrecision = {
      kind: QUANTIZED_KIND.cpu,
      blockSize: precisionOf("f32", blockSize ?? DEFAULT_BLOCK_SIZE).blockSize,
    };
    return {
      precision: fallback,
      record: {
        chosen: precisionName(fallback),
        reason: `no measured form had an error under ${AUTO_MAX_GEMM_ERROR}: the CPU default`,
        kernels,
      },
    };
  }
  const f32 = table.rates["f32"]?.gflopsPerS;
  const versusF32 = f32 ? `; float32 ${f32} GFLOP/s, which does not fit the memory budget` : "";
  return {
    precision: best,
    record: {
      chosen: precisionName(best),
      reason: `the fastest form with an error under ${AUTO_MAX_GEMM_ERROR} on this machine: ${rate(best)} GFLOP/s${versusF32}`,
      kernels,
    },
  };
}

export async function autoPrecision(
  sizes: ModelSizes,
  device: ExecutionProvider,
  budgetBytes: number,
  options: AutoQuantOptions,
): Promise<AutoPrecision> {
  if (floatFits(sizes, device, budgetBytes)) {
    const reason = device === "cpu" ? "the model fits the memory budget at float32" : "the weights stay under 8 GiB at float32";
    return { precision: F32, record: { chosen: "f32", reason, kernels: null } };
  }
  if (device !== "cpu") {
    const precision = precisionOf(QUANTIZED_KIND[device], options.blockSize ?? DEFAULT_BLOCK_SIZE);
    return { precision, record: { chosen: precisionName(precision), reason: `the ${device} default (a 12 GB card)`, kernels: null } };
  }
  return fastestForm(await options.kernels(), options.blockSize);
}
