/** The weight formats benchmarked side by side: float32 and MatMulNBits int8 / int4 at two block sizes. */
import { Flux } from "../src/models/flux/model.js";
import type { FluxParams } from "../src/models/flux/params.js";
import { linearWeightPaths } from "../src/components/params/convert-tensors.js";
import { defaultFluxKeep } from "../src/components/flux/spec.js";
import { isQuantized } from "../src/components/params/convert-tensors.js";
import { nbitsLayout } from "../src/weights/quant/index.js";
import { type AccuracyLevel, F32 as F32_PRECISION, precisionName, precisionOf, type Precision } from "../src/components/precision.js";

export interface NBitsFormat {
  readonly bits: 4 | 8;
  readonly blockSize: number;
  /** 4: int8 activations (the fast CPU path); 1: float activations. */
  readonly accuracyLevel: AccuracyLevel;
}

export interface WeightFormat {
  /** "f32", "int8-b32", "int4-b128", ... */
  readonly name: string;
  /** null: float32 weights. */
  readonly quant: NBitsFormat | null;
  /** The same as the precision a component is opened with. */
  readonly precision: Precision;
}

export const F32: WeightFormat = { name: "f32", quant: null, precision: F32_PRECISION };

export function nbits(bits: 4 | 8, blockSize: number, accuracyLevel: AccuracyLevel = 4): WeightFormat {
  const precision = precisionOf(bits === 8 ? "int8" : "int4", blockSize, accuracyLevel);
  return { name: precisionName(precision), quant: { bits, blockSize, accuracyLevel }, precision };
}

export const ALL_FORMATS: readonly WeightFormat[] = [F32, nbits(8, 32), nbits(8, 128), nbits(4, 32), nbits(4, 128)];

/**
 * Bytes of a FLUX transformer's weights in a format, as FluxTransformer.load holds them: MatMulNBits
 * codes + f32 scales (symmetric, no zero points) for the block linears, f32 for everything else.
 */
export function fluxWeightBytes(params: FluxParams, format: WeightFormat): number {
  const model = new Flux(params);
  const linear = linearWeightPaths(model);
  let bytes = 0;
  for (const spec of model.parameters()) {
    const quantized = format.quant && isQuantized(spec.path, linear, defaultFluxKeep);
    if (format.quant && quantized) {
      const [n, k] = spec.shape as [number, number];
      const { nBlocks, blob } = nbitsLayout(format.quant.bits, format.quant.blockSize, n, k);
      bytes += n * nBlocks * (blob + 4);
    } else {
      bytes += 4 * spec.shape.reduce((a, b) => a * b, 1);
    }
  }
  return bytes;
}
