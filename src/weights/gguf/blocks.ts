/**
 * ggml block formats read from raw bytes: exact dequantization to float32, and the blocks as
 * scales + codes (for repacking into ONNX Runtime's MatMulNBits without a float round trip).
 *
 * Q8_0: 34-byte blocks of 32: d (f16), then 32 int8 q; x[j] = d * q[j].
 * Q4_0: 18-byte blocks of 32: d (f16), then 16 bytes; x[j] = d * ((qs[j] & 15) - 8) and
 * x[j + 16] = d * ((qs[j] >> 4) - 8) for j < 16. d may be negative. d * q is exact in float32.
 */
import { halfToF32Value } from "../../numeric/float16.js";
import type { GgmlBlockType } from "./types.js";

export const QK = 32;
export const Q8_0_BYTES = 34;
export const Q4_0_BYTES = 18;

/** A block tensor as [rows, cols] with one scale per 32-element block of a row. */
export interface GgufBlocksBase {
  readonly rows: number;
  /** Row length (ggml ne[0], torch's last dim); a multiple of 32. */
  readonly cols: number;
  /** 32, always. */
  readonly blockSize: number;
  /** The f16 d of each block upcast exactly, [rows, cols / 32] row-major. */
  readonly scales: Float32Array;
}

/** Q8_0: `codes` are the int8 q of each element, [rows, cols] row-major (element order). */
export interface GgufQ8_0Blocks extends GgufBlocksBase {
  readonly type: "Q8_0";
  readonly codes: Int8Array;
}

/**
 * Q4_0: `codes` are ggml's 16 packed bytes per block, unchanged, [rows, cols / 32, 16]: byte j of
 * a block holds element j in its low nibble and element j + 16 in its high nibble, each biased by 8.
 */
export interface GgufQ4_0Blocks extends GgufBlocksBase {
  readonly type: "Q4_0";
  readonly codes: Uint8Array;
}

export type GgufBlocks = GgufQ8_0Blocks | GgufQ4_0Blocks;

function scaleAt(raw: Uint8Array, at: number): number {
  return halfToF32Value((raw[at] as number) | ((raw[at + 1] as number) << 8));
}

/** Splits raw block bytes of a [rows, cols] tensor into scales and codes. */
export function splitBlocks(type: GgmlBlockType, raw: Uint8Array, rows: number, cols: number): GgufBlocks {
  const nBlocks = (rows * cols) / QK;
  const scales = new Float32Array(nBlocks);
  if (type === "Q8_0") {
    const codes = new Int8Array(rows * cols);
    const signed = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let b = 0; b < nBlocks; b++) {
      scales[b] = scaleAt(raw, b * Q8_0_BYTES);
      codes.set(signed.subarray(b * Q8_0_BYTES + 2, (b + 1) * Q8_0_BYTES), b * QK);
    }
    return { type, rows, cols, blockSize: QK, scales, codes };
  }
  const codes = new Uint8Array(nBlocks * 16);
  for (let b = 0; b < nBlocks; b++) {
    scales[b] = scaleAt(raw, b * Q4_0_BYTES);
    codes.set(raw.subarray(b * Q4_0_BYTES + 2, (b + 1) * Q4_0_BYTES), b * 16);
  }
  return { type, rows, cols, blockSize: QK, scales, codes };
}

/** Exact float32 values of a block tensor, row-major. */
export function dequantizeBlocks(blocks: GgufBlocks): Float32Array {
  const out = new Float32Array(blocks.rows * blocks.cols);
  const { scales, codes } = blocks;
  if (blocks.type === "Q8_0") {
    for (let i = 0; i < out.length; i++) out[i] = (scales[(i / QK) | 0] as number) * (codes[i] as number);
    return out;
  }
  for (let b = 0; b < scales.length; b++) {
    const d = scales[b] as number;
    for (let j = 0; j < 16; j++) {
      const byte = codes[b * 16 + j] as number;
      out[b * QK + j] = d * ((byte & 0x0f) - 8);
      out[b * QK + j + 16] = d * ((byte >> 4) - 8);
    }
  }
  return out;
}
