/** zeroPad / zeroPadBy (pads known at build or at run time), sliceFromStarts, gatherElements and scatterElements with reduction "add", against closed-form results. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, ShapeRuleError, ops } from "../../../src/onnx/index.js";
import { tensor } from "../../../src/tensor.js";
import { engineForTests, f32t, i64t, outF32, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("zero padding and slices from run-time starts", () => {
  test("zeroPad with constant pads and zeroPadBy with run-time pads give the same zeros-around block, in float64 too", async () => {
    const g = new Graph("pad");
    const x = g.addInput("x", "f64", [2, 2]);
    const fixed = ops.zeroPad(x, [1, 0, 0, 2]);
    assert.deepEqual(fixed.shape, [3, 4]);
    const byRunTime = ops.zeroPadBy(x, g.addInput("p", "i64", [4]), ["R", "C"]);
    assert.deepEqual(byRunTime.shape, ["R", "C"]);
    g.addOutput(fixed, "fixed");
    g.addOutput(byRunTime, "run");
    const feeds = { x: tensor("f64", [2, 2], Float64Array.of(1, 2, 3, 4)), p: i64t([4], [1, 0, 0, 2]) };
    const out = await runOnce(engine, g, feeds);
    const want = [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0];
    assert.deepEqual(Array.from(out["fixed"]?.data as Float64Array), want);
    assert.deepEqual(Array.from(out["run"]?.data as Float64Array), want);
  });

  test("computed pads need a declared result of the input's rank", () => {
    const g = new Graph("bad_pad");
    const x = g.addInput("x", "f32", [2, 2]);
    const pads = g.addInput("pads", "i64", [4]);
    assert.throws(
      () => g.addNode("Pad", [x, pads], {}),
      (e: unknown) => e instanceof ShapeRuleError && /declare/.test(e.message),
    );
    assert.throws(() => ops.zeroPadBy(x, pads, ["R"]), ShapeRuleError);
    assert.throws(() => ops.zeroPadBy(x, g.addInput("short", "i64", [2]), ["R", "C"]), ShapeRuleError);
  });

  test("sliceFromStarts: x[s0:, s1:] with the starts at run time, negative starts counting from the end", async () => {
    const g = new Graph("slice_starts");
    const y = ops.sliceFromStarts(g.addInput("x", "f32", [3, 4]), [0, -1], g.addInput("starts", "i64", [2]), ["R", "C"]);
    assert.deepEqual(y.shape, ["R", "C"]);
    g.addOutput(y, "y");
    const x = f32t(
      [3, 4],
      Array.from({ length: 12 }, (_, i) => i),
    );
    const out = outF32(await runOnce(engine, g, { x, starts: i64t([2], [1, -2]) }), "y", [2, 2]);
    assert.deepEqual(Array.from(out), [6, 7, 10, 11]);
  });
});

describe("gatherElements and scatterElements with reduction add", () => {
  test("gatherElements reads data[i][indices[i][j]] along axis 1", async () => {
    const g = new Graph("gather_elements");
    const y = ops.gatherElements(g.addInput("x", "f32", [2, 3]), g.addInput("i", "i64", [2, 4]), 1);
    assert.deepEqual(y.shape, [2, 4]);
    g.addOutput(y, "y");
    const out = outF32(
      await runOnce(engine, g, { x: f32t([2, 3], [10, 11, 12, 20, 21, 22]), i: i64t([2, 4], [2, 0, 0, -1, 1, 1, 2, 0]) }),
      "y",
      [2, 4],
    );
    assert.deepEqual(Array.from(out), [12, 10, 10, 12, 21, 21, 22, 20]);
  });

  test("scatterElements add: repeated indices accumulate onto the data", async () => {
    const g = new Graph("scatter_add");
    const y = ops.scatterElements(g.addInput("x", "f32", [1, 3]), g.addInput("i", "i64", [1, 4]), g.addInput("u", "f32", [1, 4]), 1, "add");
    g.addOutput(y, "y");
    const feeds = { x: f32t([1, 3], [1, 1, 1]), i: i64t([1, 4], [2, 0, 2, 2]), u: f32t([1, 4], [1, 2, 3, 4]) };
    assert.deepEqual(Array.from(outF32(await runOnce(engine, g, feeds), "y", [1, 3])), [3, 1, 9]);
  });

  test("gatherElements refuses indices of another rank", () => {
    const g = new Graph("bad");
    assert.throws(() => ops.gatherElements(g.addInput("x", "f32", [2, 3]), g.addInput("i", "i64", [4]), 0), ShapeRuleError);
  });
});
