/**
 * GGUF Q8_0 / Q4_0 blocks repacked into MatMulNBits form with block size 32, directly from the
 * stored codes (no float round trip), so MatMulNBits computes with exactly the GGUF weights.
 *
 * - Q8_0 -> 8-bit: code = q + 128 (int8 -> uint8), scale d, default zero point 128.
 * - Q4_0 -> 4-bit: ggml pairs element j (low nibble) with j + 16 (high nibble) in byte j of a
 *   block; MatMulNBits wants consecutive elements 2i (low) and 2i + 1 (high) in byte i, so the
 *   nibbles are regrouped. Scale d (may be negative), default zero point 8 (ggml's bias).
 */
import type { GgufBlocks, GgufQ4_0Blocks, GgufQ8_0Blocks } from "../gguf/blocks.js";
import { allocatePacked, type PackedNBits } from "./packed.js";

const QK = 32;

export function packQ8_0(blocks: GgufQ8_0Blocks): PackedNBits {
  const p = allocatePacked(8, QK, blocks.rows, blocks.cols, false);
  const codes = blocks.codes;
  for (let i = 0; i < codes.length; i++) p.b.data[i] = ((codes[i] as number) + 128) & 0xff;
  p.scales.data.set(blocks.scales);
  return p;
}

/** The 4-bit code (0..15) of element e (0..31) of a ggml Q4_0 block whose 16 bytes start at `at`. */
function q4Nibble(codes: Uint8Array, at: number, e: number): number {
  return e < 16 ? (codes[at + e] as number) & 0x0f : (codes[at + e - 16] as number) >> 4;
}

export function packQ4_0(blocks: GgufQ4_0Blocks): PackedNBits {
  const p = allocatePacked(4, QK, blocks.rows, blocks.cols, false);
  const nBlocks = blocks.scales.length;
  for (let blk = 0; blk < nBlocks; blk++) {
    const at = blk * 16;
    for (let i = 0; i < 16; i++) {
      p.b.data[at + i] = q4Nibble(blocks.codes, at, 2 * i) | (q4Nibble(blocks.codes, at, 2 * i + 1) << 4);
    }
  }
  p.scales.data.set(blocks.scales);
  return p;
}

/** Either of the above, by the blocks' type. */
export function packGgufBlocks(blocks: GgufBlocks): PackedNBits {
  return blocks.type === "Q8_0" ? packQ8_0(blocks) : packQ4_0(blocks);
}
