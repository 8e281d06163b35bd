/** Element-wise op helpers run through ONNX Runtime against float64 references. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops, type Value } from "../../../src/onnx/index.js";
import { assertClose, broadcastRef, engineForTests, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("binary ops with broadcasting", () => {
  const a = randT([2, 3, 4], 1, -2, 2);
  const b = randT([3, 1], 2, 0.5, 2); // positive: a valid divisor and pow base
  const cases: Array<[string, (x: Value, y: Value) => Value, (x: number, y: number) => number]> = [
    ["add", ops.add, (x, y) => x + y],
    ["sub", ops.sub, (x, y) => x - y],
    ["mul", ops.mul, (x, y) => x * y],
    ["div", ops.div, (x, y) => x / y],
    ["pow", (x, y) => ops.pow(y, x), (x, y) => y ** x],
  ];
  for (const [name, op, f] of cases) {
    test(`${name}: [2, 3, 4] with [3, 1]`, async () => {
      const g = new Graph(`bin_${name}`);
      const y = op(g.addInput("a", "f32", [2, 3, 4]), g.addInput("b", "f32", [3, 1]));
      assert.deepEqual(y.shape, [2, 3, 4]);
      g.addOutput(y, "y");
      const out = await runOnce(engine, g, { a, b });
      const want = broadcastRef(a, b, f);
      assertClose(outF32(out, "y", want.dims), want.data, name);
    });
  }

  test("broadcasting both ways: [4, 1] with [1, 3] gives [4, 3]; symbolic dims stay symbolic", async () => {
    const g = new Graph("bin_both");
    const y = ops.mul(g.addInput("a", "f32", [4, 1]), g.addInput("b", "f32", [1, 3]));
    assert.deepEqual(y.shape, [4, 3]);
    g.addOutput(y, "y");
    const a4 = randT([4, 1], 3);
    const b3 = randT([1, 3], 4);
    const out = await runOnce(engine, g, { a: a4, b: b3 });
    const want = broadcastRef(a4, b3, (x, z) => x * z);
    assertClose(outF32(out, "y", [4, 3]), want.data, "mul [4,1]x[1,3]");

    const s = new Graph("bin_sym");
    const z = ops.add(s.addInput("p", "f32", ["B", 1, 8]), s.addInput("q", "f32", ["L", 1]));
    assert.deepEqual(z.shape, ["B", "L", 8]);
  });
});

describe("number operands", () => {
  const x = randT([2, 5], 5, 0.25, 3);
  const cases: Array<[string, (v: Value) => Value, (v: number) => number]> = [
    ["add(x, 1.5)", (v) => ops.add(v, 1.5), (v) => v + 1.5],
    ["sub(2, x)", (v) => ops.sub(2, v), (v) => 2 - v],
    ["sub(x, 2)", (v) => ops.sub(v, 2), (v) => v - 2],
    ["mul(-3, x)", (v) => ops.mul(-3, v), (v) => -3 * v],
    ["div(1, x)", (v) => ops.div(1, v), (v) => 1 / v],
    ["div(x, 4)", (v) => ops.div(v, 4), (v) => v / 4],
    ["pow(x, 2)", (v) => ops.pow(v, 2), (v) => v * v],
    ["pow(x, 0.5)", (v) => ops.pow(v, 0.5), (v) => Math.sqrt(v)],
    ["pow(2, x)", (v) => ops.pow(2, v), (v) => 2 ** v],
  ];
  for (const [name, op, f] of cases) {
    test(name, async () => {
      const g = new Graph("num");
      const y = op(g.addInput("x", "f32", ["B", 5]));
      assert.deepEqual(y.shape, ["B", 5]);
      g.addOutput(y, "y");
      const out = await runOnce(engine, g, { x });
      assertClose(outF32(out, "y", [2, 5]), Array.from(x.data, f), name);
    });
  }

  test("two numbers, or an i64 value with a number, are build-time errors", () => {
    const g = new Graph("num_bad");
    assert.throws(() => ops.add(1, 2), GraphBuildError);
    const i = g.addInput("i", "i64", [3]);
    assert.throws(
      () => ops.add(i, 1),
      (e: unknown) => e instanceof GraphBuildError && /dtypes i64 and f32 differ/.test(e.message),
    );
  });
});

describe("unary ops", () => {
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
  const cases: Array<[string, (v: Value) => Value, (v: number) => number, number, number]> = [
    ["neg", ops.neg, (v) => -v, -4, 4],
    ["sigmoid", ops.sigmoid, sigmoid, -8, 8],
    ["tanh", ops.tanh, Math.tanh, -4, 4],
    ["exp", ops.exp, Math.exp, -5, 5],
    ["sqrt", ops.sqrt, Math.sqrt, 0, 100],
    ["cos", ops.cos, Math.cos, -6, 6],
    ["sin", ops.sin, Math.sin, -6, 6],
    ["reciprocal", ops.reciprocal, (v) => 1 / v, 0.1, 10],
    ["silu", ops.silu, (v) => v * sigmoid(v), -8, 8],
  ];
  for (const [name, op, f, lo, hi] of cases) {
    test(name, async () => {
      const x = randT([3, 64], 100 + name.length, lo, hi);
      const g = new Graph(`un_${name}`);
      const y = op(g.addInput("x", "f32", ["N", 64]));
      assert.deepEqual(y.shape, ["N", 64]);
      assert.equal(y.dtype, "f32");
      g.addOutput(y, "y");
      const out = await runOnce(engine, g, { x });
      // Absolute floor for results near zero (sin, tanh, silu around their roots).
      assertClose(outF32(out, "y", [3, 64]), Array.from(x.data, f), name, { rtol: 1e-6, atol: 1e-6 });
    });
  }
});

describe("build-time shape errors", () => {
  test("non-broadcastable static shapes throw GraphBuildError naming both shapes", () => {
    const g = new Graph("bad_bcast");
    const a = g.addInput("a", "f32", [2, 3]);
    const b = g.addInput("b", "f32", [4]);
    assert.throws(
      () => ops.add(a, b),
      (e: unknown) => e instanceof GraphBuildError && e.message.includes("[2, 3]") && e.message.includes("[4]"),
    );
    assert.throws(() => ops.mul(g.addInput("c", "f32", [5, 2]), g.addInput("d", "f32", [3, 2])), GraphBuildError);
  });

  test("values of another graph are rejected", () => {
    const g = new Graph("one");
    const h = new Graph("two");
    assert.throws(() => ops.add(g.addInput("a", "f32", [2]), h.addInput("b", "f32", [2])), GraphBuildError);
  });
});
