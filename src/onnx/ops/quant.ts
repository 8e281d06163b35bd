/**
 * Block-quantized matrix products: com.microsoft.MatMulNBits (see docs/ort-ops.md §2,
 * MatMulNBits packing). The packed operands are made by src/weights/quant.
 */
import { attr, type Value } from "../graph.js";

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
  const bias = options.bias ?? null;
  const attrs = {
    K: attr.int(K),
    N: attr.int(N),
    bits: attr.int(bits),
    block_size: attr.int(blockSize),
    accuracy_level: attr.int(options.accuracyLevel ?? 0),
  };
  // Inputs: A, B, scales, zero_points, g_idx (unused), bias.
  const inputs = bias ? [a, b, scales, zeroPoints, null, bias] : zeroPoints ? [a, b, scales, zeroPoints] : [a, b, scales];
  return a.graph.addNode("MatMulNBits", inputs, attrs, { domain: "com.microsoft" })[0] as Value;
}
