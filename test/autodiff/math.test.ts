/** Gradient rules of Exp, Sqrt, Reciprocal, Cos, Sin, Pow and Cast against central finite differences. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backward, NotDifferentiableError } from "../../src/autodiff/index.js";
import { Graph, ops } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";
import { engineForTests, runOnce } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();

describe("gradient rules: elementary functions", () => {
  test("Exp, Cos, Sin, input declared [B, 4]", async () => {
    await checkGradient(engine, {
      name: "exp_cos_sin",
      dtype: "f64",
      inputs: { x: { dims: [3, 4], shape: ["B", 4], lo: -2, hi: 2 } },
      build: ({ x }) => [ops.exp(x!), ops.cos(x!), ops.sin(x!)].map((y) => withStaticShape(y, [3, 4])),
      rtol: 1e-5,
    });
  });

  test("Sqrt and Reciprocal on positive inputs", async () => {
    await checkGradient(engine, {
      name: "sqrt_reciprocal",
      dtype: "f64",
      inputs: { x: { dims: [2, 5], lo: 0.5, hi: 2 } },
      build: ({ x }) => [ops.sqrt(x!), ops.reciprocal(x!)],
      rtol: 1e-5,
    });
  });

  test("Pow with constant exponents: a scalar, one per column, and one that broadcasts the base", async () => {
    await checkGradient(engine, {
      name: "pow",
      dtype: "f64",
      inputs: { x: { dims: [2, 3], lo: 0.5, hi: 2 }, v: { dims: [3], lo: 0.5, hi: 2 } },
      build: ({ x, v }) => {
        const g = x!.graph;
        const two = g.constant(tensor("f64", [], Float64Array.of(2)));
        const perColumn = g.constant(tensor("f64", [3], Float64Array.of(0.5, 3, -1.5)));
        const perRow = g.constant(tensor("f64", [2, 1], Float64Array.of(2.5, -0.5)));
        return [ops.pow(x!, two), ops.pow(x!, perColumn), ops.pow(v!, perRow)];
      },
      rtol: 1e-5,
    });
  });

  test("Pow refuses to differentiate an exponent that depends on a differentiated value", () => {
    const g = new Graph("pow_exponent");
    const x = g.addInput("x", "f64", [3]);
    const p = g.addInput("p", "f64", [3]);
    const y = ops.reduceSum(ops.pow(x, p), null, false);
    assert.throws(
      () => backward(g, [{ value: y, grad: g.constant(tensor("f64", [], Float64Array.of(1))) }], [x, p]),
      NotDifferentiableError,
    );
  });

  // phi passes through float32 values, so the step is 1e-2 and the tolerance 1e-4: x^2's central
  // difference is exact, sin's is off by eps^2/6, and float32 rounding adds ~1e-5.
  test("Cast float64 -> float32 -> float64 casts the gradient back", async () => {
    await checkGradient(engine, {
      name: "cast_float",
      dtype: "f64",
      inputs: { x: { dims: [2, 3], lo: -2, hi: 2 } },
      build: ({ x }) => {
        const narrow = ops.cast(x!, "f32");
        return ops.cast(ops.add(ops.mul(narrow, narrow), ops.sin(narrow)), "f64");
      },
      eps: 1e-2,
      rtol: 1e-4,
      atol: 1e-4,
    });
  });

  test("a cast to an integer type carries no gradient", async () => {
    const g = new Graph("cast_int");
    const x = g.addInput("x", "f64", [2, 2]);
    const k = ops.cast(x, "i64");
    const seed = g.constant(tensor("i64", [2, 2], BigInt64Array.of(1n, 2n, 3n, 4n)));
    const [dx] = backward(g, [{ value: k, grad: seed }], [x]);
    assert.ok(dx);
    g.addOutput(dx, "dx");
    const out = await runOnce(engine, g, { x: tensor("f64", [2, 2], Float64Array.of(0.5, 1.5, 2.5, 3.5)) });
    const grad = out["dx"];
    assert.ok(grad && grad.dtype === "f64", "dx is float64");
    assert.deepEqual(Array.from(grad.data as Float64Array), [0, 0, 0, 0]);
  });
});
