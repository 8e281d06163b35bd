/** Shape rule of com.microsoft.MatMulNBits (block-quantized weights; layout in src/onnx/ops/quant.ts). */
import type { OpSchema, ShapeQuery } from "../op-schema.js";
import { shapeText } from "../shape.js";
import type { Dim, OutputSpec } from "../ir.js";

function fixed(shape: readonly Dim[], want: readonly number[]): boolean {
  return shape.length === want.length && shape.every((d, i) => d === want[i]);
}

/** Inputs A, B, scales, zero_points, g_idx (unused), bias; output [..., N]. */
function matMulNBits(q: ShapeQuery): OutputSpec[] {
  const [a, b, scales] = [q.input(0, "A"), q.input(1, "B"), q.input(2, "scales")];
  const [K, N, bits, blockSize] = [q.int("K"), q.int("N"), q.int("bits"), q.int("block_size")];
  const fail = (problem: string): never => q.fail(`(${b.name}) ${problem}`);
  if (bits !== 4 && bits !== 8) fail(`bits must be 4 or 8, got ${String(bits)}`);
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0)
    fail(`block size must be a power of two >= 16, got ${blockSize}`);
  if (!Number.isInteger(K) || !Number.isInteger(N) || K <= 0 || N <= 0) fail(`K and N must be positive integers, got K ${K}, N ${N}`);
  const nBlocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  if (a.dtype !== "f32") fail(`the input ${a.name} must be f32, got ${a.dtype}`);
  const k = a.shape[a.shape.length - 1];
  if (a.shape.length < 1 || (typeof k === "number" && k !== K)) fail(`input ${a.name} ${shapeText(a.shape)} must be [..., ${K}]`);
  if (b.dtype !== "u8" || !fixed(b.shape, [N, nBlocks, blob]))
    fail(`weight must be u8 [${N}, ${nBlocks}, ${blob}], got ${b.dtype} ${shapeText(b.shape)}`);
  if (scales.dtype !== a.dtype || !fixed(scales.shape, [N, nBlocks])) {
    fail(`scales must be ${a.dtype} [${N}, ${nBlocks}], got ${scales.dtype} ${shapeText(scales.shape)}`);
  }
  const zeroPoints = q.optional(3);
  const zpCols = bits === 8 ? nBlocks : Math.ceil(nBlocks / 2);
  if (zeroPoints && (zeroPoints.dtype !== "u8" || !fixed(zeroPoints.shape, [N, zpCols]))) {
    fail(`zero points must be u8 [${N}, ${zpCols}], got ${zeroPoints.dtype} ${shapeText(zeroPoints.shape)}`);
  }
  const bias = q.optional(5);
  if (bias && (bias.dtype !== a.dtype || !fixed(bias.shape, [N])))
    fail(`bias must be ${a.dtype} [${N}], got ${bias.dtype} ${shapeText(bias.shape)}`);
  return [{ dtype: a.dtype, shape: [...a.shape.slice(0, -1), N] }];
}

export const QUANT_OPS: readonly OpSchema[] = [{ domain: "com.microsoft", opType: "MatMulNBits", outputs: matMulNBits }];
