/** Gradient rules of MatMul and Gemm against central finite differences (float64: ONNX Runtime's CPU provider has double MatMul and Gemm). */
import { describe, test } from "node:test";
import { ops } from "../../src/onnx/index.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { weighted } from "./weighted.js";

const engine = engineForTests();

describe("gradient rules: MatMul", () => {
  test("batched, with the batch axes of both operands broadcast", async () => {
    await checkGradient(engine, {
      name: "matmul_batched",
      dtype: "f64",
      inputs: { a: { dims: [2, 1, 3, 4] }, b: { dims: [5, 4, 2] }, c: { dims: [3, 4] } },
      build: ({ a, b, c }) => [ops.matmul(a!, b!), ops.matmul(c!, b!)],
    });
  });

  test("1-D operands on either side and on both", async () => {
    await checkGradient(engine, {
      name: "matmul_vectors",
      dtype: "f64",
      inputs: { u: { dims: [4] }, m: { dims: [2, 4, 3] }, n: { dims: [2, 3, 4] }, w: { dims: [4] } },
      build: ({ u, m, n, w }) => [ops.matmul(u!, m!), ops.matmul(n!, w!), ops.matmul(u!, w!)],
    });
  });

  test("symbolic batch and rows, against a shared weight and a batch-1 weight", async () => {
    await checkGradient(engine, {
      name: "matmul_symbolic",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4], shape: ["B", "L", 4] }, w: { dims: [4, 5] }, v: { dims: [1, 4, 2] } },
      build: ({ x, w, v }) => [weighted(ops.matmul(x!, w!), [2, 3, 5]), weighted(ops.matmul(x!, v!), [2, 3, 2], 78)],
    });
  });
});

describe("gradient rules: Gemm", () => {
  test("gemmTransB(x, W, bias) as icedit's Linear builds it, with symbolic rows", async () => {
    await checkGradient(engine, {
      name: "gemm_linear",
      dtype: "f64",
      inputs: { x: { dims: [3, 4], shape: ["M", 4] }, w: { dims: [5, 4] }, bias: { dims: [5] } },
      build: ({ x, w, bias }) => weighted(ops.gemmTransB(x!, w!, bias!), [3, 5]),
    });
  });

  for (const [transA, transB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    test(`transA ${Number(transA)}, transB ${Number(transB)}, alpha and beta, C of shapes [N], [M, 1], [M, N] and []`, async () => {
      const [m, k, n] = [3, 4, 2];
      await checkGradient(engine, {
        name: `gemm_t${Number(transA)}${Number(transB)}`,
        dtype: "f64",
        inputs: {
          a: { dims: transA ? [k, m] : [m, k] },
          b: { dims: transB ? [n, k] : [k, n] },
          row: { dims: [n] },
          col: { dims: [m, 1] },
          full: { dims: [m, n] },
          one: { dims: [] },
        },
        build: ({ a, b, row, col, full, one }) =>
          [row, col, full, one].map((c, i) => ops.gemmWith(a!, b!, c!, { transA, transB, alpha: 0.5 + i, beta: 2 - 0.75 * i })),
      });
    });
  }
});
