/**
 * Gradient rule of com.microsoft.MatMulNBits, y [..., N] = a [..., K] @ W^T (+ bias) with W [N, K]
 * block-quantized (layout: src/weights/quant/packed.ts). The quantized base is frozen, as in
 * QLoRA: its codes, scales and zero points get no gradient, but the input does, dA = dY @ W, so
 * gradients reach the adapters and layers below it. W is dequantized in the graph from the codes.
 *
 * Cost: while one layer's backward runs, its weight exists in float32 (N * K * 4 bytes: 144 MiB
 * for FLUX.1's 3072 -> 12288 MLP projection), and so do the float codes and code - zero point it
 * is computed from (the same size each, unless ONNX Runtime reuses their buffers), about three
 * times that at the peak; nothing is kept between layers and no float copy of the model is
 * stored. The extra compute is one [rows, N] @ [N, K] product per layer, as in the forward.
 */
import type { Value } from "../../onnx/graph.js";
import { cast, concat, div, floor, matmul, mul, reshape, scalarF32, slice, sub, unsqueeze } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { sumToShape } from "../values.js";

/** The quantized operand of a MatMulNBits node (inputs B, scales, zero_points and its attributes). */
export interface NBitsOperand {
  /** u8 [N, nBlocks, blockSize * bits / 8]. */
  readonly b: Value;
  /** f32 [N, nBlocks]. */
  readonly scales: Value;
  /** null (the default 2^(bits - 1)), or u8 [N, nBlocks] (8-bit) / [N, ceil(nBlocks / 2)] (4-bit). */
  readonly zeroPoints: Value | null;
  readonly bits: 4 | 8;
  readonly blockSize: number;
  readonly N: number;
  readonly K: number;
}

/** bytes: u8 [..., n] -> their 4-bit halves as f32 [..., 2n], the low nibble of each byte first. */
function unpackNibbles(bytes: Value): Value {
  const whole = cast(bytes, "f32");
  const high = floor(div(whole, 16));
  const low = sub(whole, mul(high, 16));
  const pairs = concat([unsqueeze(low, [-1]), unsqueeze(high, [-1])], -1);
  return reshape(pairs, [...new Array<number>(bytes.shape.length - 1).fill(0), -1]);
}

/** The codes of each block as f32: [N, nBlocks, blockSize]. */
function codesOf(w: NBitsOperand): Value {
  return w.bits === 8 ? cast(w.b, "f32") : unpackNibbles(w.b);
}

/** The zero point of each block as f32, [N, nBlocks, 1] (a scalar when there is no zero-point tensor). */
function zeroPointsOf(w: NBitsOperand, nBlocks: number): Value {
  if (!w.zeroPoints) return scalarF32(w.b.graph, 2 ** (w.bits - 1));
  const perBlock = w.bits === 8 ? cast(w.zeroPoints, "f32") : slice(unpackNibbles(w.zeroPoints), 1, 0, nBlocks);
  return unsqueeze(perBlock, [-1]);
}

/** W [N, K] in float32 from its blocks: (code - zero point) * scale, the padding of the last block cut off. */
export function dequantizeNBitsInGraph(w: NBitsOperand): Value {
  const nBlocks = Math.ceil(w.K / w.blockSize);
  const blocks = mul(sub(codesOf(w), zeroPointsOf(w, nBlocks)), unsqueeze(w.scales, [-1]));
  const padded = reshape(blocks, [w.N, nBlocks * w.blockSize]);
  return nBlocks * w.blockSize === w.K ? padded : slice(padded, 1, 0, w.K);
}

/**
 * Inputs A, B, scales, zero_points, g_idx, bias. dA [..., K] = dY [..., N] @ W [N, K] with the
 * exact dequantized W (also with accuracy_level 4, whose forward rounds A to int8 per block: the
 * gradient is that of the float product it approximates); dBias = dY summed over the rows.
 */
function matMulNBitsGradient(q: GradientQuery): (Value | null)[] {
  if (q.wanted(2)) q.fail("the quantized weight is frozen: its scales get no gradient (train an adapter instead)");
  if (q.optional(4)) q.fail("g_idx (act-order) is not supported");
  const bits = q.int("bits", 4);
  if (bits !== 4 && bits !== 8) q.fail(`bits must be 4 or 8, got ${bits}`);
  const w: NBitsOperand = {
    b: q.input(1),
    scales: q.input(2),
    zeroPoints: q.optional(3),
    bits,
    blockSize: q.int("block_size", 0),
    N: q.int("N", 0),
    K: q.int("K", 0),
  };
  const dy = q.grad();
  const da = q.wanted(0) ? matmul(dy, dequantizeNBitsInGraph(w)) : null;
  const bias = q.optional(5);
  const dBias = bias && q.wanted(5) ? sumToShape(dy, bias) : null;
  return [da, null, null, null, null, dBias];
}

export const QUANT_GRADIENTS = gradientEntries({ MatMulNBits: matMulNBitsGradient }, "com.microsoft");
