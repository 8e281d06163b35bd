/**
 * Quantizes float32 torch-layout weights W [N, K] into MatMulNBits blocks (layout: packed.ts).
 *
 * Schemes (per block of `blockSize` elements along K; the last block is padded with the zero point,
 * i.e. with weight 0):
 * - "symmetric" (default), no zero-point tensor (MatMulNBits' defaults apply):
 *   8-bit: scale = max|x| / 127, code = round(x / scale) + 128 (codes 1..255, zero point 128);
 *   4-bit: like ggml's Q4_0: scale = m / -8 with m the element of largest magnitude (sign
 *   included, so the scale may be negative), code = min(15, trunc(x / scale + 8.5)), zero point 8.
 *   All 16 codes are used: m maps to code 0 exactly and -m clips to code 15 (error |scale|).
 * - "asymmetric", explicit zero points: the block's range [min(0, lo), max(0, hi)] is split into
 *   2^bits - 1 steps, scale = range / (2^bits - 1), zp = round(-min / scale),
 *   code = clamp(round(x / scale) + zp, 0, 2^bits - 1).
 * Scales are float32; rounding is half away from zero. An all-zero block gets scale 0.
 */
import { InvalidArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import { allocatePacked, DEFAULT_BLOCK_SIZE, defaultZeroPoint, type NBits, type PackedNBits } from "./packed.js";

export type NBitsScheme = "symmetric" | "asymmetric";

export interface QuantizeOptions {
  readonly bits: NBits;
  /** A power of two from 16 to 256; default 32. */
  readonly blockSize?: number;
  readonly scheme?: NBitsScheme;
}

const roundAway = (x: number): number => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Scale, zero point and code function of one block of values. */
interface BlockQuant {
  readonly scale: number;
  readonly zeroPoint: number;
  code(x: number): number;
}

function asymmetric(bits: NBits, values: Float32Array): BlockQuant {
  const levels = (1 << bits) - 1;
  let lo = 0;
  let hi = 0;
  for (const x of values) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const scale = Math.fround((hi - lo) / levels);
  if (scale === 0) return { scale, zeroPoint: 0, code: () => 0 };
  const zeroPoint = clamp(roundAway(-lo / scale), 0, levels);
  return { scale, zeroPoint, code: (x) => clamp(roundAway(x / scale) + zeroPoint, 0, levels) };
}

/**
 * The symmetric scheme (8-bit: scale amax/127, codes round-half-away + 128; 4-bit: scale m/-8 of the
 * largest-magnitude value m, as GGUF Q4_0) in one tight loop with no per-block objects: 2.5-7x faster
 * than a per-block closure, which matters for the 12B transformer.
 */
function packSymmetric(weight: Float32Array, p: PackedNBits): void {
  const { N, K, nBlocks, blockSize, bits } = p;
  const codes = p.b.data;
  const scales = p.scales.data;
  const blob = (blockSize * bits) / 8;
  for (let n = 0; n < N; n++) {
    for (let blk = 0; blk < nBlocks; blk++) {
      const start = n * K + blk * blockSize;
      const count = Math.min(blockSize, K - blk * blockSize);
      const base = (n * nBlocks + blk) * blob;
      if (bits === 8) {
        let amax = 0;
        for (let j = 0; j < count; j++) {
          const a = Math.abs(weight[start + j] as number);
          if (a > amax) amax = a;
        }
        const scale = Math.fround(amax / 127);
        const inv = scale !== 0 ? 1 / scale : 0;
        scales[n * nBlocks + blk] = scale;
        for (let j = 0; j < blockSize; j++) {
          if (j >= count) {
            codes[base + j] = 128;
            continue;
          }
          const y = (weight[start + j] as number) * inv;
          const r = y < 0 ? -Math.floor(-y + 0.5) : Math.floor(y + 0.5);
          codes[base + j] = (r > 127 ? 127 : r < -127 ? -127 : r) + 128;
        }
      } else {
        let m = 0;
        for (let j = 0; j < count; j++) {
          const x = weight[start + j] as number;
          if (Math.abs(x) > Math.abs(m)) m = x;
        }
        const scale = m === 0 ? 0 : Math.fround(m / -8);
        const inv = scale !== 0 ? 1 / scale : 0;
        scales[n * nBlocks + blk] = scale;
        for (let j = 0; j < blockSize; j += 2) {
          const lo = j < count ? Math.trunc((weight[start + j] as number) * inv + 8.5) : 8;
          const hi = j + 1 < count ? Math.trunc((weight[start + j + 1] as number) * inv + 8.5) : 8;
          codes[base + (j >> 1)] = (lo > 15 ? 15 : lo < 0 ? 0 : lo) | ((hi > 15 ? 15 : hi < 0 ? 0 : hi) << 4);
        }
      }
    }
  }
}

/** Packs W [N, K] (float32, torch layout) into MatMulNBits blocks. */
export function quantizeNBits(weight: Tensor<"f32">, options: QuantizeOptions): PackedNBits {
  if (weight.dims.length !== 2) throw new InvalidArgumentError(`quantizeNBits: the weight must be [N, K], got [${weight.dims.join(", ")}]`);
  const [N, K] = weight.dims as [number, number];
  const { bits } = options;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const scheme = options.scheme ?? "symmetric";
  if (scheme !== "symmetric" && scheme !== "asymmetric") throw new InvalidArgumentError(`quantizeNBits: unknown scheme ${String(scheme)}`);
  const p = allocatePacked(bits, blockSize, N, K, scheme === "asymmetric");
  if (scheme === "symmetric") {
    packSymmetric(weight.data, p);
    return p;
  }
  const blob = (blockSize * bits) / 8;
  for (let n = 0; n < N; n++) {
    for (let blk = 0; blk < p.nBlocks; blk++) {
      const start = n * K + blk * blockSize;
      const count = Math.min(blockSize, K - blk * blockSize);
      const values = weight.data.subarray(start, start + count);
      const q = asymmetric(bits, values);
      p.scales.data[n * p.nBlocks + blk] = q.scale;
      const base = (n * p.nBlocks + blk) * blob;
      for (let j = 0; j < blockSize; j++) {
        const code = j < count ? q.code(values[j] as number) : q.zeroPoint;
        if (bits === 8) p.b.data[base + j] = code;
        else p.b.data[base + (j >> 1)] |= j % 2 === 0 ? code : code << 4;
      }
      if (p.zeroPoints) {
        if (bits === 8) p.zeroPoints.data[n * p.nBlocks + blk] = q.zeroPoint;
        else p.zeroPoints.data[n * Math.ceil(p.nBlocks / 2) + (blk >> 1)] |= blk % 2 === 0 ? q.zeroPoint : q.zeroPoint << 4;
      } else if (q.zeroPoint !== defaultZeroPoint(bits)) {
        throw new InvalidArgumentError(`quantizeNBits: internal error, zero point ${q.zeroPoint} without a zero-point tensor`);
      }
    }
  }
  return p;
}
