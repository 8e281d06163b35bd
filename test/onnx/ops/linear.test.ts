/** matmul and gemmTransB run through ONNX Runtime against float64 references, and their shape checks. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import type { Tensor } from "../../../src/tensor.js";
import { assertClose, broadcastIndexer, engineForTests, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

/** numpy matmul of [..., M, K] and [..., K, N] with broadcast batch dims, in float64. */
function matmulRef(a: Tensor<"f32">, b: Tensor<"f32">): { dims: number[]; data: Float64Array } {
  const [m, k] = a.dims.slice(-2) as [number, number];
  const n = b.dims[b.dims.length - 1] as number;
  const rank = Math.max(a.dims.length, b.dims.length) - 2;
  const pad = (d: readonly number[]): number[] => [...new Array<number>(rank - (d.length - 2)).fill(1), ...d.slice(0, -2)];
  const { dims: batch, count, at } = broadcastIndexer(pad(a.dims), pad(b.dims));
  const data = new Float64Array(count * m * n);
  for (let t = 0; t < count; t++) {
    const [ia, ib] = at(t);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += (a.data[ia * m * k + i * k + q] as number) * (b.data[ib * k * n + q * n + j] as number);
        data[t * m * n + i * n + j] = s;
      }
    }
  }
  return { dims: [...batch, m, n], data };
}

describe("matmul", () => {
  const cases: Array<[number[], number[], number[]]> = [
    [
      [3, 4],
      [4, 5],
      [3, 5],
    ],
    [
      [2, 3, 4],
      [4, 5],
      [2, 3, 5],
    ],
    [
      [2, 1, 3, 4],
      [3, 4, 2],
      [2, 3, 3, 2],
    ],
    [
      [2, 3, 6],
      [2, 6, 4],
      [2, 3, 4],
    ],
  ];
  for (const [ad, bd, od] of cases) {
    test(`[${ad}] @ [${bd}] = [${od}]`, async () => {
      const a = randT(ad, ad.length * 7 + 1);
      const b = randT(bd, bd.length * 7 + 2);
      const g = new Graph("matmul");
      const y = ops.matmul(g.addInput("a", "f32", ad), g.addInput("b", "f32", bd));
      assert.deepEqual(y.shape, od);
      g.addOutput(y, "y");
      const want = matmulRef(a, b);
      assert.deepEqual(want.dims, od);
      assertClose(outF32(await runOnce(engine, g, { a, b }), "y", od), want.data, "matmul", { rtol: 1e-6, atol: 1e-6 });
    });
  }

  test("a symbolic row count stays symbolic", () => {
    const g = new Graph("matmul_sym");
    const y = ops.matmul(g.addInput("a", "f32", ["B", "L", 8]), g.constant(randT([8, 3], 5)));
    assert.deepEqual(y.shape, ["B", "L", 3]);
  });

  test("1-D operands follow numpy: a row on the left, a column on the right, the added axis dropped", () => {
    const g = new Graph("matmul_vectors");
    const [u, m, w] = [g.addInput("u", "f32", [3]), g.addInput("m", "f32", [5, 3, 2]), g.addInput("w", "f32", [2])];
    assert.deepEqual(ops.matmul(u, m).shape, [5, 2]);
    assert.deepEqual(ops.matmul(m, w).shape, [5, 3]);
    assert.deepEqual(ops.matmul(w, w).shape, []);
  });

  test("shape errors are thrown at build time", () => {
    const g = new Graph("matmul_bad");
    const a = g.addInput("a", "f32", [2, 3]);
    assert.throws(
      () => ops.matmul(a, g.addInput("b", "f32", [4, 5])),
      (e: unknown) => e instanceof GraphBuildError && /inner dimensions/.test(e.message),
    );
    assert.throws(() => ops.matmul(g.addInput("v", "f32", [4]), g.addInput("w", "f32", [3, 2])), GraphBuildError);
    assert.throws(() => ops.matmul(g.addInput("p", "f32", [2, 3, 4]), g.addInput("q", "f32", [3, 4, 5])), GraphBuildError);
  });
});

describe("gemmTransB", () => {
  const a = randT([3, 4], 61);
  const w = randT([5, 4], 62); // torch layout [N, K]
  const bias = randT([5], 63);
  const ref = (withBias: boolean): Float64Array => {
    const out = new Float64Array(15);
    for (let i = 0; i < 3; i++) {
      for (let n = 0; n < 5; n++) {
        let s = withBias ? (bias.data[n] as number) : 0;
        for (let k = 0; k < 4; k++) s += (a.data[i * 4 + k] as number) * (w.data[n * 4 + k] as number);
        out[i * 5 + n] = s;
      }
    }
    return out;
  };

  test("a @ w^T + bias, and a @ w^T without bias", async () => {
    const g = new Graph("gemm");
    const x = g.addInput("a", "f32", ["M", 4]);
    const wc = g.constant(w, "w");
    const withBias = ops.gemmTransB(x, wc, g.constant(bias, "bias"));
    const noBias = ops.gemmTransB(x, wc, null);
    assert.deepEqual(withBias.shape, ["M", 5]);
    assert.deepEqual(noBias.shape, ["M", 5]);
    g.addOutput(withBias, "with_bias");
    g.addOutput(noBias, "no_bias");
    const out = await runOnce(engine, g, { a });
    assertClose(outF32(out, "with_bias", [3, 5]), ref(true), "gemm with bias", { atol: 1e-6 });
    assertClose(outF32(out, "no_bias", [3, 5]), ref(false), "gemm without bias", { atol: 1e-6 });
  });

  test("shape errors are thrown at build time", () => {
    const g = new Graph("gemm_bad");
    const x = g.addInput("a", "f32", [2, 3]);
    assert.throws(
      () => ops.gemmTransB(x, g.constant(randT([4, 5], 1)), null),
      (e: unknown) => e instanceof GraphBuildError && /\[2, 3\]/.test(e.message),
    );
    assert.throws(() => ops.gemmTransB(g.addInput("x3", "f32", [1, 2, 3]), g.constant(randT([4, 3], 2)), null), GraphBuildError);
  });
});

describe("gemm (no transposes)", () => {
  test("a [M, K] @ b [K, N] + c, c a full [M, N] matrix or a row [N]", async () => {
    const [a, b, c, row] = [randT([3, 2], 71), randT([2, 4], 72), randT([3, 4], 73), randT([4], 74)];
    const g = new Graph("gemm_plain");
    const [av, bv] = [g.addInput("a", "f32", ["M", 2]), g.addInput("b", "f32", [2, 4])];
    const full = ops.gemm(av, bv, g.addInput("c", "f32", ["M", 4]));
    assert.deepEqual(full.shape, ["M", 4]);
    g.addOutput(full, "full");
    g.addOutput(ops.gemm(av, bv, g.constant(row, "row")), "rowwise");
    const out = await runOnce(engine, g, { a, b, c });
    const ab = Array.from({ length: 12 }, (_, i) => {
      const [m, n] = [Math.floor(i / 4), i % 4];
      return (a.data[m * 2] as number) * (b.data[n] as number) + (a.data[m * 2 + 1] as number) * (b.data[4 + n] as number);
    });
    assertClose(
      outF32(out, "full", [3, 4]),
      ab.map((v, i) => v + (c.data[i] as number)),
      "gemm + c",
      { atol: 1e-6 },
    );
    assertClose(
      outF32(out, "rowwise", [3, 4]),
      ab.map((v, i) => v + (row.data[i % 4] as number)),
      "gemm + row",
      { atol: 1e-6 },
    );
  });

  test("inner sizes that differ, or a c that does not broadcast to [M, N], are build-time errors", () => {
    const g = new Graph("gemm_bad");
    const a = g.addInput("a", "f32", [3, 2]);
    assert.throws(() => ops.gemm(a, g.addInput("b", "f32", [3, 4]), null), GraphBuildError);
    assert.throws(() => ops.gemm(a, g.addInput("b2", "f32", [2, 4]), g.addInput("c", "f32", [2, 4])), GraphBuildError);
  });
});
