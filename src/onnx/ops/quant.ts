/**
 * Block-quantized matrix products: com.microsoft.MatMulNBits (see docs/ort-ops.md §2,
 * MatMulNBits packing). The packed operands are made by src/weights/quant.
 */
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { shapeText } from "../shape.js";

export interface MatMulNBitsOptions {
  /** Input features (the unpadded row length of the weight). */
  readonly K: number;
  /** Output features. */
  readonly N: number;
  readonly bits: 4 | 8;
  /** Elements per quantization block along K: a power of two, at least 16. */
  readonly blockSize: number;
  /**
   * 0 (default): float32 activations, matches the dequantized weights to float32 rounding.
   * 4: activations quantized to int8 per block (about 2x faster, relative error about 1e-2).
   */
  readonly accuracyLevel?: 0 | 1 | 2 | 3 | 4;
  /** Optional bias [N], added to the output. */
  readonly bias?: Value | null;
}

function fixed(shape: readonly Dim[], want: readonly number[]): boolean {
  return shape.length === want.length && shape.every((d, i) => d === want[i]);
}

/**
 * y [..., N] = a [..., K] @ W^T with W[n, k] = (q[n, k] - zp[n, k / blockSize]) * scale[n, k / blockSize].
 *
 * - `b`: uint8 [N, nBlocks, blockSize * bits / 8], nBlocks = ceil(K / blockSize), the last block padded;
 *   4-bit codes two per byte, the even element of each pair in the low nibble.
 * - `scales`: float32 (the dtype of `a`) [N, nBlocks] (ONNX Runtime 1.30 also takes [N * nBlocks]; an
 *   initializer of another shape is refused when the session is created).
 * - `zeroPoints`: null (8 for 4-bit, 128 for 8-bit), or uint8 [N, nBlocks] for 8-bit and
 *   [N, ceil(nBlocks / 2)] for 4-bit (the even block in the low nibble).
 */
export function matMulNBits(a: Value, b: Value, scales: Value, zeroPoints: Value | null, options: MatMulNBitsOptions): Value {
  const { K, N, bits, blockSize } = options;
  const fail = (problem: string): never => {
    throw new GraphBuildError(`MatMulNBits (${b.name}): ${problem}`);
  };
  if (bits !== 4 && bits !== 8) fail(`bits must be 4 or 8, got ${String(bits)}`);
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) fail(`block size must be a power of two >= 16, got ${blockSize}`);
  if (!Number.isInteger(K) || !Number.isInteger(N) || K <= 0 || N <= 0) fail(`K and N must be positive integers, got K ${K}, N ${N}`);
  const nBlocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  if (a.dtype !== "f32") fail(`the input ${a.name} must be f32, got ${a.dtype}`);
  const k = a.shape[a.shape.length - 1];
  if (a.shape.length < 1 || (typeof k === "number" && k !== K)) fail(`input ${a.name} ${shapeText(a.shape)} must be [..., ${K}]`);
  if (b.dtype !== "u8" || !fixed(b.shape, [N, nBlocks, blob])) fail(`weight must be u8 [${N}, ${nBlocks}, ${blob}], got ${b.dtype} ${shapeText(b.shape)}`);
  if (scales.dtype !== a.dtype || !fixed(scales.shape, [N, nBlocks])) {
    fail(`scales must be ${a.dtype} [${N}, ${nBlocks}], got ${scales.dtype} ${shapeText(scales.shape)}`);
  }
  const zpCols = bits === 8 ? nBlocks : Math.ceil(nBlocks / 2);
  if (zeroPoints && (zeroPoints.dtype !== "u8" || !fixed(zeroPoints.shape, [N, zpCols]))) {
    fail(`zero points must be u8 [${N}, ${zpCols}], got ${zeroPoints.dtype} ${shapeText(zeroPoints.shape)}`);
  }
  const bias = options.bias ?? null;
  if (bias && (bias.dtype !== a.dtype || !fixed(bias.shape, [N]))) fail(`bias must be ${a.dtype} [${N}], got ${bias.dtype} ${shapeText(bias.shape)}`);
  const attrs = {
    K: attr.int(K),
    N: attr.int(N),
    bits: attr.int(bits),
    block_size: attr.int(blockSize),
    accuracy_level: attr.int(options.accuracyLevel ?? 0),
  };
  // Inputs: A, B, scales, zero_points, g_idx (unused), bias.
  const inputs = bias ? [a, b, scales, zeroPoints, null, bias] : zeroPoints ? [a, b, scales, zeroPoints] : [a, b, scales];
  const shape: Dim[] = [...a.shape.slice(0, -1), N];
  return a.graph.addNode("MatMulNBits", inputs, attrs, [{ dtype: a.dtype, shape }], "com.microsoft")[0] as Value;
}
