/**
 * GGUF Q8_0 / Q4_0 blocks repacked directly into MatMulNBits form: hand-made blocks checked byte by
 * byte, then every quantized tensor of the golden Q8_0 and Q4_0 files run through ONNX Runtime
 * (accuracy_level 0) against a float64 matmul with the exactly dequantized tensor (readF32), and
 * negative controls showing that the repacking (and the sign of the scales) matters.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tensor } from "../../src/tensor.js";
import { openGguf, type GgufBlocks, type GgufQ4_0Blocks, type GgufQ8_0Blocks } from "../../src/weights/gguf/index.js";
import { packGgufBlocks, packQ4_0, packQ8_0, type PackedNBits } from "../../src/weights/quant/index.js";
import { goldenFile, goldenSkip } from "../golden-paths.js";
import { engineForTests, outF32, randT, runOnce } from "./helpers.js";
import { decodePacked, linearRef, packedGraph, relErr } from "./quant-helpers.js";

const engine = engineForTests();

describe("repacking ggml blocks (hand-made)", () => {
  test("Q8_0: codes + 128, scales unchanged, 8-bit block 32 with the default zero point", () => {
    const codes = Int8Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? -128 + i : 127 - i));
    const blocks: GgufQ8_0Blocks = { type: "Q8_0", rows: 1, cols: 64, blockSize: 32, scales: Float32Array.from([0.25, -1]), codes };
    const p = packQ8_0(blocks);
    assert.deepEqual([p.bits, p.blockSize, p.N, p.K, p.nBlocks], [8, 32, 1, 64, 2]);
    assert.deepEqual(p.b.dims, [1, 2, 32]);
    assert.equal(p.zeroPoints, null);
    assert.deepEqual(
      [...p.b.data],
      [...codes].map((q) => q + 128),
    );
    assert.deepEqual(
      [...decodePacked(p)],
      [...codes].map((q, i) => q * (i < 32 ? 0.25 : -1)),
    );
  });

  test("Q4_0: byte j's (j, j+16) nibble pair becomes consecutive pairs (2i, 2i+1)", () => {
    // Element e of the block has code e % 16 for e < 16 and 15 - (e - 16) above: byte j = j | (15 - j) << 4.
    const codes = Uint8Array.from({ length: 16 }, (_, j) => j | ((15 - j) << 4));
    const blocks: GgufQ4_0Blocks = { type: "Q4_0", rows: 1, cols: 32, blockSize: 32, scales: Float32Array.from([-0.5]), codes };
    const p = packQ4_0(blocks);
    assert.deepEqual(p.b.dims, [1, 1, 16]);
    const element = (e: number): number => (e < 16 ? e : 31 - e);
    const want = Array.from({ length: 16 }, (_, i) => element(2 * i) | (element(2 * i + 1) << 4));
    assert.deepEqual([...p.b.data], want);
    assert.deepEqual(
      [...decodePacked(p)],
      Array.from({ length: 32 }, (_, e) => (element(e) - 8) * -0.5),
    );
  });
});

/** The MatMulNBits output for `p` on `a` (accuracy level 0). */
async function run(p: PackedNBits, a: Float32Array, M: number): Promise<Float32Array> {
  return outF32(await runOnce(engine, packedGraph(p, [M, p.K], 0), { a: tensor("f32", [M, p.K], a) }), "y", [M, p.N]);
}

/** Q4_0 codes copied as they are (the wrong, unrepacked layout). */
function copyUnrepacked(b: GgufQ4_0Blocks): PackedNBits {
  const nb = b.cols / 32;
  return {
    bits: 4,
    blockSize: 32,
    N: b.rows,
    K: b.cols,
    nBlocks: nb,
    b: tensor("u8", [b.rows, nb, 16], b.codes.slice()),
    scales: tensor("f32", [b.rows, nb], b.scales.slice()),
    zeroPoints: null,
  };
}

for (const type of ["Q8_0", "Q4_0"] as const) {
  describe(`golden ${type} file through MatMulNBits`, { skip: goldenSkip }, () => {
    const file = goldenFile(`weights/t1_gguf_${type.toLowerCase()}.gguf`);

    test(`every ${type} tensor, packed from its blocks, matches the float matmul with the dequantized tensor`, async (t) => {
      const g = await openGguf(file);
      try {
        const names = g.names().filter((n) => g.entry(n).ggmlType === type);
        assert.equal(names.length, 35);
        let worst = 0;
        for (const [i, name] of names.entries()) {
          const blocks: GgufBlocks = await g.readBlocks(name);
          const w = await g.readF32(name);
          const p = packGgufBlocks(blocks);
          assert.deepEqual([p.N, p.K], w.dims);
          const M = 3;
          const a = randT([M, p.K], 100 + i).data;
          const err = relErr(await run(p, a, M), linearRef(a, w.data, M, p.K, p.N));
          assert.ok(err < 1e-5, `${name}: relative error ${err}`);
          worst = Math.max(worst, err);
        }
        t.diagnostic(`${type}: worst relative error over 35 tensors ${worst.toExponential(2)}`);
      } finally {
        await g.close();
      }
    });

    test("negative controls: a wrong packing gives errors of order 1", async (t) => {
      const g = await openGguf(file);
      try {
        const name = "double_blocks.0.img_attn.qkv.weight";
        const blocks = await g.readBlocks(name);
        const w = await g.readF32(name);
        const M = 2;
        const K = w.dims[1] as number;
        const N = w.dims[0] as number;
        const a = randT([M, K], 7).data;
        const want = linearRef(a, w.data, M, K, N);
        const good = relErr(await run(packGgufBlocks(blocks), a, M), want);
        assert.ok(good < 1e-5);
        const controls: Array<[string, PackedNBits]> = [];
        if (blocks.type === "Q4_0") {
          controls.push(["Q4_0 bytes copied without repacking", copyUnrepacked(blocks)]);
          const p = packQ4_0(blocks);
          controls.push([
            "Q4_0 with |d| (sign of the scales dropped)",
            { ...p, scales: tensor("f32", p.scales.dims, p.scales.data.map(Math.abs)) },
          ]);
        } else {
          const p = packQ8_0(blocks);
          controls.push([
            "Q8_0 int8 bytes used as uint8 without + 128",
            { ...p, b: tensor("u8", p.b.dims, new Uint8Array(blocks.codes.buffer.slice(0))) },
          ]);
        }
        for (const [label, wrong] of controls) {
          const err = relErr(await run(wrong, a, M), want);
          t.diagnostic(`${label}: relative error ${err.toExponential(2)} (correct packing ${good.toExponential(2)})`);
          assert.ok(err > 0.1, `${label}: relative error ${err} should be large`);
        }
      } finally {
        await g.close();
      }
    });
  });
}
