/** Gradient rules of element-wise arithmetic and reductions against central finite differences (float64). */
import { describe, test } from "node:test";
import { ops } from "../../src/onnx/index.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";

const engine = engineForTests();

describe("gradient rules: element-wise and reductions", () => {
  test("Add, Sub, Mul with broadcasting sum back to each operand's shape", async () => {
    await checkGradient(engine, {
      name: "add_sub_mul",
      dtype: "f64",
      inputs: { a: { dims: [2, 3, 4] }, b: { dims: [3, 1] }, c: { dims: [4] } },
      build: ({ a, b, c }) => [ops.add(a!, b!), ops.sub(c!, a!), ops.mul(ops.mul(a!, b!), c!)],
    });
  });

  test("Div with a broadcast divisor, and Neg", async () => {
    await checkGradient(engine, {
      name: "div_neg",
      dtype: "f64",
      inputs: { a: { dims: [2, 3] }, b: { dims: [1, 3], lo: 0.5, hi: 2 } },
      build: ({ a, b }) => [ops.div(a!, b!), ops.neg(ops.div(b!, a!))],
      rtol: 1e-5,
    });
  });

  test("ReduceSum and ReduceMean over listed axes, with and without keepdims, and over all axes", async () => {
    await checkGradient(engine, {
      name: "reduce",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4] } },
      build: ({ x }) => [
        ops.reduceSum(x!, [1], true),
        ops.reduceSum(x!, [0, 2], false),
        ops.reduceMean(x!, [-1], false),
        ops.reduceMean(x!, null, false),
      ],
    });
  });
});
