/** sliceToEnds (run-time ends) and gatherND (batched row picks) against closed-form results. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { engineForTests, i64t, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("sliceToEnds", () => {
  test("x[0:e0, 0:e1] with the ends given at run time", async () => {
    const x = randT([4, 5], 1);
    const g = new Graph("slice_ends");
    const y = ops.sliceToEnds(g.addInput("x", "f32", [4, 5]), [0, -1], g.addInput("ends", "i64", [2]), ["R", "C"]);
    assert.deepEqual(y.shape, ["R", "C"]);
    g.addOutput(y, "y");
    const out = outF32(await runOnce(engine, g, { x, ends: i64t([2], [2, 3]) }), "y", [2, 3]);
    assert.deepEqual(
      Array.from(out),
      [0, 1, 2, 5, 6, 7].map((i) => x.data[i]),
    );
  });

  test("axes and sizes of different lengths, or ends that are not an i64 vector, are build-time errors", () => {
    const g = new Graph("bad");
    const x = g.addInput("x", "f32", [4, 5]);
    assert.throws(() => ops.sliceToEnds(x, [0, 1], g.addInput("e", "i64", [2]), ["R"]), GraphBuildError);
    assert.throws(() => ops.sliceToEnds(x, [0], g.addInput("f", "f32", [1]), ["R"]), GraphBuildError);
  });
});

describe("gatherND", () => {
  test("data [B, T, D], indices [B, 1], batch_dims 1: row indices[b] of each batch element", async () => {
    const data = randT([2, 4, 3], 2);
    const g = new Graph("gather_nd");
    const y = ops.gatherND(g.addInput("data", "f32", ["B", 4, 3]), g.addInput("idx", "i64", ["B", 1]), 1);
    assert.deepEqual(y.shape, ["B", 3]);
    g.addOutput(y, "y");
    const out = outF32(await runOnce(engine, g, { data, idx: i64t([2, 1], [3, 1]) }), "y", [2, 3]);
    assert.deepEqual(Array.from(out), [...data.data.subarray(9, 12), ...data.data.subarray(12 + 3, 12 + 6)]);
  });

  test("f32 indices, a symbolic index depth, or indices deeper than the data are build-time errors", () => {
    const g = new Graph("bad");
    const data = g.addInput("data", "f32", [2, 4]);
    assert.throws(() => ops.gatherND(data, g.addInput("a", "f32", [2, 1])), GraphBuildError);
    assert.throws(() => ops.gatherND(data, g.addInput("b", "i64", [2, "K"])), GraphBuildError);
    assert.throws(() => ops.gatherND(data, g.addInput("c", "i64", [2, 2]), 1), GraphBuildError);
  });
});
