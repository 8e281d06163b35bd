/** Plain LoRA branches: y + s * (B (A x) + bias) per row range, fused three ways, against float64 references. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { blockDiagonalB, fuseLowRank, lowRankBranch, lowRankConstants, type LowRankPart } from "../../src/nn/lora.js";
import { Graph } from "../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { matmulRef, transposeRef } from "./helpers.js";

const engine = engineForTests();

const [N, IN, OUT] = [3, 4, 6];
const x = randT([N, IN], 1);
const y = randT([N, OUT], 2);
const S = 0.5;

function part(seed: number, rowStart: number, rowEnd: number, rank: number, bias: boolean): LowRankPart {
  const rows = rowEnd - rowStart;
  return {
    A: randT([rank, IN], seed),
    B: randT([rows, rank], seed + 1),
    bias: bias ? randT([rows], seed + 2) : null,
    rowStart,
    rowEnd,
    scaling: 1.5,
  };
}

/** y + s * scaling * (B (A x) + bias) on each part's rows. */
function ref(parts: readonly LowRankPart[]): Float64Array {
  const out = Float64Array.from(y.data);
  for (const p of parts) {
    const [r, rows] = [p.A.dims[0] as number, p.rowEnd - p.rowStart];
    const up = matmulRef(matmulRef(x.data, transposeRef(p.A.data, r, IN), N, IN, r), transposeRef(p.B.data, rows, r), N, r, rows);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < rows; o++) {
        const add = (up[n * rows + o] as number) + (p.bias ? (p.bias.data[o] as number) : 0);
        out[n * OUT + p.rowStart + o] = (out[n * OUT + p.rowStart + o] as number) + S * p.scaling * add;
      }
    }
  }
  return out;
}

async function run(parts: readonly LowRankPart[]): Promise<{ got: Float32Array; ops: string[] }> {
  const g = new Graph("lora");
  const [xv, yv, s] = [g.addInput("x", "f32", ["N", IN]), g.addInput("y", "f32", ["N", OUT]), g.addInput("s", "f32", [])];
  const branch = lowRankBranch(xv, yv, lowRankConstants(g, fuseLowRank(parts, IN, OUT), "l"), s);
  g.addOutput(branch, "out");
  const out = await runOnce(engine, g, { x, y, s: randT([], 0, S, S) });
  return { got: outF32(out, "out", [N, OUT]), ops: g.nodes.map((n) => n.opType) };
}

describe("lowRankBranch", () => {
  test("one part over every row: one down and one up Gemm (y fused as C)", async () => {
    const parts = [part(10, 0, OUT, 2, false)];
    const { got, ops } = await run(parts);
    assert.deepEqual(ops.filter((o) => o === "Gemm").length, 2);
    assertClose(got, ref(parts), "out", { rtol: 1e-5, atol: 1e-5 });
  });

  test("parts tiling the rows (q, k, v): split hidden state, one up product per part, concatenated; with a bias", async () => {
    const parts = [part(20, 0, 2, 1, true), part(30, 2, 4, 2, false), part(40, 4, 6, 1, true)];
    const { got, ops } = await run(parts);
    assert.ok(ops.includes("Split") && ops.includes("Concat"));
    assertClose(got, ref(parts), "out", { rtol: 1e-5, atol: 1e-5 });
  });

  test("parts that leave rows out: one block-diagonal up matrix", async () => {
    const parts = [part(50, 1, 3, 2, false), part(60, 4, 5, 1, false)];
    const { got, ops } = await run(parts);
    assert.ok(!ops.includes("Split"));
    assertClose(got, ref(parts), "out", { rtol: 1e-5, atol: 1e-5 });
  });

  test("blockDiagonalB places each block at its rows and ranks, scaling folded in", () => {
    const parts = [part(70, 0, 2, 1, false), part(80, 3, 4, 2, false)];
    const B = blockDiagonalB(fuseLowRank(parts, IN, OUT));
    assert.deepEqual(B.dims, [OUT, 3]);
    const want = new Float64Array(OUT * 3);
    for (let i = 0; i < 2; i++) want[i * 3] = (parts[0]?.B.data[i] as number) * 1.5;
    for (let j = 0; j < 2; j++) want[3 * 3 + 1 + j] = (parts[1]?.B.data[j] as number) * 1.5;
    assertClose(B.data, want, "B", { rtol: 1e-6, atol: 0 });
  });

  test("parts that do not fit the layer are refused", () => {
    assert.throws(() => fuseLowRank([], IN, OUT), InvalidArgumentError);
    assert.throws(() => fuseLowRank([part(90, 4, 7, 1, false)], IN, OUT), InvalidArgumentError);
    assert.throws(() => fuseLowRank([part(90, 0, 2, 1, false)], IN + 1, OUT), InvalidArgumentError);
  });
});
