/**
 * Weights in ONNX Runtime's MatMulNBits form (docs/ort-ops.md §2), for a
 * torch-layout weight W [N, K] (out, in):
 *
 * - blocks of `blockSize` elements along K, nBlocks = ceil(K / blockSize), the last one padded;
 * - `b` u8 [N, nBlocks, blockSize * bits / 8]: 8-bit codes one per byte; 4-bit codes two per byte,
 *   element 2i in the low nibble and 2i + 1 in the high nibble of byte i of the block;
 * - `scales` f32 [N, nBlocks];
 * - `zeroPoints` null (the default: 128 for 8-bit, 8 for 4-bit), or u8 [N, nBlocks] (8-bit) /
 *   [N, ceil(nBlocks / 2)] (4-bit, block 2j in the low nibble of byte j);
 * - W[n, k] = (code - zeroPoint) * scale of the block.
 */
import { InvalidArgumentError } from "../../errors.js";
import { tensor, type Tensor } from "../../tensor.js";

export type NBits = 4 | 8;

export interface PackedNBits {
  readonly bits: NBits;
  readonly blockSize: number;
  /** Output features (rows of W). */
  readonly N: number;
  /** Input features (columns of W, unpadded). */
  readonly K: number;
  readonly nBlocks: number;
  readonly b: Tensor<"u8">;
  readonly scales: Tensor<"f32">;
  readonly zeroPoints: Tensor<"u8"> | null;
}

export const DEFAULT_BLOCK_SIZE = 32;

/** The block sizes MatMulNBits takes: powers of two from 16 to 256. */
export const BLOCK_SIZES = [16, 32, 64, 128, 256] as const;

/** The default zero point of MatMulNBits when none is given. */
export function defaultZeroPoint(bits: NBits): number {
  return bits === 8 ? 128 : 8;
}

export interface NBitsLayout {
  readonly nBlocks: number;
  /** Bytes per block of codes. */
  readonly blob: number;
  /** Bytes per row of zero points. */
  readonly zpCols: number;
}

/** Checks bits (4 or 8), the block size (a power of two in 16..256) and the sizes. */
export function nbitsLayout(bits: number, blockSize: number, N: number, K: number): NBitsLayout {
  if (bits !== 4 && bits !== 8) throw new InvalidArgumentError(`MatMulNBits packing: bits must be 4 or 8, got ${bits}`);
  if (!(BLOCK_SIZES as readonly number[]).includes(blockSize)) {
    throw new InvalidArgumentError(`MatMulNBits packing: the block size must be a power of two from 16 to 256, got ${blockSize}`);
  }
  if (!Number.isInteger(N) || !Number.isInteger(K) || N <= 0 || K <= 0) {
    throw new InvalidArgumentError(`MatMulNBits packing: the weight must be a non-empty [N, K] matrix, got [${N}, ${K}]`);
  }
  const nBlocks = Math.ceil(K / blockSize);
  return { nBlocks, blob: (blockSize * bits) / 8, zpCols: bits === 8 ? nBlocks : Math.ceil(nBlocks / 2) };
}

/** Empty tensors for a packing (codes all zero, no zero points). */
export function allocatePacked(bits: NBits, blockSize: number, N: number, K: number, withZeroPoints: boolean): PackedNBits {
  const { nBlocks, blob, zpCols } = nbitsLayout(bits, blockSize, N, K);
  return {
    bits,
    blockSize,
    N,
    K,
    nBlocks,
    b: tensor("u8", [N, nBlocks, blob]),
    scales: tensor("f32", [N, nBlocks]),
    zeroPoints: withZeroPoints ? tensor("u8", [N, zpCols]) : null,
  };
}

/** The code of element (n, k) (k may be in the padding). */
export function codeAt(p: PackedNBits, n: number, k: number): number {
  const blob = (p.blockSize * p.bits) / 8;
  const block = Math.floor(k / p.blockSize);
  const j = k % p.blockSize;
  const base = (n * p.nBlocks + block) * blob;
  if (p.bits === 8) return p.b.data[base + j] as number;
  const byte = p.b.data[base + (j >> 1)] as number;
  return j % 2 === 0 ? byte & 0x0f : byte >> 4;
}

/** The zero point of block `block` of row n. */
export function zeroPointAt(p: PackedNBits, n: number, block: number): number {
  if (!p.zeroPoints) return defaultZeroPoint(p.bits);
  if (p.bits === 8) return p.zeroPoints.data[n * p.nBlocks + block] as number;
  const byte = p.zeroPoints.data[n * Math.ceil(p.nBlocks / 2) + (block >> 1)] as number;
  return block % 2 === 0 ? byte & 0x0f : byte >> 4;
}

/** The weight W [N, K] a packing stands for, in float32 ((code - zp) * scale, as MatMulNBits computes it). */
export function dequantizeNBits(p: PackedNBits): Float32Array {
  const out = new Float32Array(p.N * p.K);
  for (let n = 0; n < p.N; n++) {
    for (let k = 0; k < p.K; k++) {
      const block = Math.floor(k / p.blockSize);
      const scale = p.scales.data[n * p.nBlocks + block] as number;
      out[n * p.K + k] = (codeAt(p, n, k) - zeroPointAt(p, n, block)) * scale;
    }
  }
  return out;
}
