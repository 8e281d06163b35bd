/**
 * Test helpers for MatMulNBits: an independent decoder of the packed bytes (from the layout in
 * docs/ort-ops.md §2, not from src/weights/quant), a float64 linear reference and a graph builder.
 */
import assert from "node:assert/strict";
import { Graph, ops, type Dim } from "../../src/onnx/index.js";
import type { Tensor } from "../../src/tensor.js";
import type { PackedNBits } from "../../src/weights/quant/index.js";

/** W [N, K] as the packed bytes say, decoded independently of src/weights/quant. */
export function decodePacked(p: PackedNBits): Float64Array {
  const nb = Math.ceil(p.K / p.blockSize);
  const blob = (p.blockSize * p.bits) / 8;
  assert.deepEqual(p.b.dims, [p.N, nb, blob]);
  assert.deepEqual(p.scales.dims, [p.N, nb]);
  const w = new Float64Array(p.N * p.K);
  for (let n = 0; n < p.N; n++) {
    for (let k = 0; k < p.K; k++) {
      const blk = Math.floor(k / p.blockSize);
      const j = k % p.blockSize;
      const byte = p.b.data[(n * nb + blk) * blob + (p.bits === 8 ? j : Math.floor(j / 2))] as number;
      const q = p.bits === 8 ? byte : j % 2 === 0 ? byte & 15 : byte >> 4;
      let zp = p.bits === 8 ? 128 : 8;
      if (p.zeroPoints) {
        const zcols = p.bits === 8 ? nb : Math.ceil(nb / 2);
        assert.deepEqual(p.zeroPoints.dims, [p.N, zcols]);
        const z = p.zeroPoints.data[n * zcols + (p.bits === 8 ? blk : Math.floor(blk / 2))] as number;
        zp = p.bits === 8 ? z : blk % 2 === 0 ? z & 15 : z >> 4;
      }
      w[n * p.K + k] = (q - zp) * (p.scales.data[n * nb + blk] as number);
    }
  }
  return w;
}

/** y [M, N] = a [M, K] @ w^T in float64. */
export function linearRef(
  a: ArrayLike<number>,
  w: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
  bias?: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? (bias[n] as number) : 0;
      for (let k = 0; k < K; k++) s += (a[m * K + k] as number) * (w[n * K + k] as number);
      y[m * N + n] = s;
    }
  }
  return y;
}

/** max |got - want| / max |want|. */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return err / scale;
}

export function packedGraph(p: PackedNBits, aDims: readonly Dim[], accuracyLevel: 0 | 4, bias?: Tensor<"f32">): Graph {
  const g = new Graph("mmnb");
  const a = g.addInput("a", "f32", aDims);
  const b = g.addInitializer("w.q", { kind: "inline", tensor: p.b });
  const s = g.addInitializer("w.scales", { kind: "inline", tensor: p.scales });
  const z = p.zeroPoints ? g.addInitializer("w.zp", { kind: "inline", tensor: p.zeroPoints }) : null;
  const bv = bias ? g.addInitializer("bias", { kind: "inline", tensor: bias }) : null;
  const y = ops.matMulNBits(a, b, s, z, { K: p.K, N: p.N, bits: p.bits, blockSize: p.blockSize, accuracyLevel, bias: bv });
  assert.deepEqual(y.shape, [...aDims.slice(0, -1), p.N]);
  g.addOutput(y, "y");
  return g;
}
