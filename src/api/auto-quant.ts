/**
 * The precision `quant: "auto"` picks: float32 when the whole model at float32 fits the memory
 * budget (the demo and small models: exact and, at small widths, fastest), else block-quantized:
 * int8 on the CPU (fast MatMulNBits; the 12B FLUX fits 24 GB), int4 on GPUs, where the target is a
 * 12 GB card. On a GPU, float32 is kept only for models whose weights stay under 8 GiB.
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
import { QUANTIZED_KIND, type PrecisionKind } from "../components/precision.js";

const GPU_FLOAT_LIMIT_BYTES = 8 * 2 ** 30;

export function autoPrecision(sizes: ModelSizes, device: ExecutionProvider, budgetBytes: number): PrecisionKind {
  const weights = weightBytes(sizes);
  const fits =
    device === "cpu"
      ? totalBytes(componentEstimates(weights, activationBytes(sizes, DEFAULT_WORK))) <= budgetBytes
      : totalBytes(weights) <= GPU_FLOAT_LIMIT_BYTES;
  return fits ? "f32" : QUANTIZED_KIND[device];
}
