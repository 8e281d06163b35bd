/**
 * com.microsoft.MatMulNBits through ONNX Runtime with weights packed by src/weights/quant, against a
 * float64 reference that decodes the packed bytes in the test (quant-helpers.ts), from the layout
 * of docs/ort-ops.md §2.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { InvalidArgumentError } from "../../../src/errors.js";
import { tensor } from "../../../src/tensor.js";
import { dequantizeNBits, quantizeNBits, type NBitsScheme, type PackedNBits } from "../../../src/weights/quant/index.js";
import { engineForTests, outF32, randT, runOnce } from "../helpers.js";
import { decodePacked, linearRef, packedGraph, relErr } from "../quant-helpers.js";

const engine = engineForTests();

interface Case {
  bits: 4 | 8;
  scheme: NBitsScheme;
  K: number;
  blockSize: number;
}

const CASES: Case[] = [];
for (const bits of [8, 4] as const) {
  for (const scheme of ["symmetric", "asymmetric"] as const) {
    for (const K of [96, 100]) CASES.push({ bits, scheme, K, blockSize: 32 });
  }
  CASES.push({ bits, scheme: "symmetric", K: 200, blockSize: 16 });
  CASES.push({ bits, scheme: "asymmetric", K: 200, blockSize: 128 });
  CASES.push({ bits, scheme: "symmetric", K: 300, blockSize: 256 });
}

describe("MatMulNBits with packed random weights", () => {
  const N = 24;
  const aDims = [2, 3];
  for (const { bits, scheme, K, blockSize } of CASES) {
    const label = `${bits}-bit ${scheme}, K ${K}, block ${blockSize}${K % blockSize ? " (last block padded)" : ""}`;
    test(label, async (t) => {
      const w = randT([N, K], bits * 1000 + K + blockSize, -0.5, 0.5);
      const p = quantizeNBits(w, { bits, blockSize, scheme });
      assert.equal(p.zeroPoints !== null, scheme === "asymmetric");
      const deq = decodePacked(p);
      assert.deepEqual(dequantizeNBits(p), Float32Array.from(deq), "dequantizeNBits agrees with the decoded bytes");
      // Each weight is within one quantization step of the float weight (half a step for 8-bit symmetric).
      const step = bits === 8 && scheme === "symmetric" ? 0.5 : 1;
      for (let i = 0; i < w.data.length; i++) {
        const scale = Math.abs(p.scales.data[Math.floor(i / K) * p.nBlocks + Math.floor((i % K) / blockSize)] as number);
        assert.ok(Math.abs(deq[i]! - w.data[i]!) <= step * scale * 1.0001 + 1e-12, `weight ${i}: ${deq[i]} vs ${w.data[i]}`);
      }
      const a = randT([...aDims, K], K + 7);
      const M = a.data.length / K;
      const want = linearRef(a.data, deq, M, K, N);
      const exact = outF32(await runOnce(engine, packedGraph(p, [...aDims, K], 0), { a }), "y", [...aDims, N]);
      const e0 = relErr(exact, want);
      assert.ok(e0 < 2e-6, `accuracy_level 0: relative error ${e0}`);
      const fast = outF32(await runOnce(engine, packedGraph(p, [...aDims, K], 4), { a }), "y", [...aDims, N]);
      const e4 = relErr(fast, want);
      assert.ok(e4 < 2e-2, `accuracy_level 4: relative error ${e4}`);
      t.diagnostic(`${label}: relative error level 0 ${e0.toExponential(2)}, level 4 ${e4.toExponential(2)}`);
    });
  }

  test("bias input, and symbolic batch dims", async () => {
    const K = 64;
    const w = randT([N, K], 5);
    const p = quantizeNBits(w, { bits: 4 });
    const bias = randT([N], 6);
    const g = packedGraph(p, ["B", "L", K], 0, bias);
    const a = randT([2, 5, K], 7);
    const got = outF32(await runOnce(engine, g, { a }), "y", [2, 5, N]);
    assert.ok(relErr(got, linearRef(a.data, decodePacked(p), 10, K, N, bias.data)) < 2e-6);
  });

  test("an all-zero block gets scale 0 and weight 0", () => {
    const w = tensor(
      "f32",
      [1, 64],
      Float32Array.from({ length: 64 }, (_, i) => (i < 32 ? 0 : i - 40)),
    );
    for (const bits of [4, 8] as const) {
      for (const scheme of ["symmetric", "asymmetric"] as const) {
        const p = quantizeNBits(w, { bits, scheme });
        assert.ok(p.scales.data[0] === 0);
        assert.ok(
          decodePacked(p)
            .subarray(0, 32)
            .every((v) => v === 0),
        );
      }
    }
  });

  test("padding codes are the zero point (weight 0 in the padded tail)", () => {
    const w = randT([3, 40], 9);
    for (const bits of [4, 8] as const) {
      const p = quantizeNBits(w, { bits, blockSize: 32 });
      const widened: PackedNBits = { ...p, K: 64 };
      const tail = decodePacked(widened);
      for (let n = 0; n < 3; n++) for (let k = 40; k < 64; k++) assert.ok(tail[n * 64 + k] === 0, `row ${n}, k ${k}`);
    }
  });
});

describe("MatMulNBits argument checks", () => {
  test("the graph helper refuses wrong shapes and attributes", () => {
    const g = new Graph("bad");
    const a = g.addInput("a", "f32", [2, 64]);
    const b = g.addInput("b", "u8", [8, 2, 16]);
    const s = g.addInput("s", "f32", [8, 2]);
    const opts = { K: 64, N: 8, bits: 4, blockSize: 32 } as const;
    assert.ok(ops.matMulNBits(a, b, s, null, opts));
    assert.throws(() => ops.matMulNBits(a, b, g.addInput("s2", "f32", [2, 8]), null, opts), /scales must be f32 \[8, 2\]/);
    assert.throws(() => ops.matMulNBits(a, b, s, null, { ...opts, bits: 8 }), /weight must be u8 \[8, 2, 32\]/);
    assert.throws(() => ops.matMulNBits(a, b, s, null, { ...opts, blockSize: 24 }), GraphBuildError);
    assert.throws(() => ops.matMulNBits(a, b, s, null, { ...opts, K: 60 }), /must be \[\.\.\., 60\]/);
    assert.throws(() => ops.matMulNBits(a, b, s, g.addInput("z", "u8", [8, 2]), opts), /zero points must be u8 \[8, 1\]/);
  });

  test("the packer refuses bad block sizes, bits and shapes", () => {
    const w = randT([4, 64], 1);
    assert.throws(() => quantizeNBits(w, { bits: 8, blockSize: 48 }), InvalidArgumentError);
    assert.throws(() => quantizeNBits(w, { bits: 8, blockSize: 512 }), InvalidArgumentError);
    assert.throws(() => quantizeNBits(w, { bits: 8, blockSize: 8 }), InvalidArgumentError);
    assert.throws(() => quantizeNBits(w, { bits: 3 as 4 }), InvalidArgumentError);
    assert.throws(() => quantizeNBits(randT([256], 1), { bits: 8 }), InvalidArgumentError);
  });
});
