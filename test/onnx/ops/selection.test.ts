/** topK, scatterElements and filledLike run through ONNX Runtime against closed-form results. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { engineForTests, f32t, i64t, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("topK", () => {
  test("the k largest values of each row, sorted, with their indices", async () => {
    const x = randT([3, 5], 11);
    const g = new Graph("topk");
    const top = ops.topK(g.addInput("x", "f32", ["N", 5]), 2);
    assert.deepEqual([top.values.shape, top.indices.shape, top.indices.dtype], [["N", 2], ["N", 2], "i64"]);
    g.addOutput(top.values, "values");
    g.addOutput(top.indices, "indices");
    const out = await runOnce(engine, g, { x });
    const values = outF32(out, "values", [3, 2]);
    const indices = Array.from(out["indices"]?.data as BigInt64Array, Number);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(x.data.subarray(r * 5, r * 5 + 5));
      const order = row.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
      assert.deepEqual(indices.slice(r * 2, r * 2 + 2), [order[0]?.[1], order[1]?.[1]], `row ${r} indices`);
      assert.deepEqual(Array.from(values.subarray(r * 2, r * 2 + 2)), [order[0]?.[0], order[1]?.[0]], `row ${r} values`);
    }
  });

  test("k larger than the axis is a build-time error", () => {
    const g = new Graph("topk");
    assert.throws(() => ops.topK(g.addInput("x", "f32", [2, 3]), 4), GraphBuildError);
  });
});

describe("scatterElements and filledLike", () => {
  test("updates land at their indices along axis 1 of a zero tensor of the input's run-time shape", async () => {
    const g = new Graph("scatter");
    const x = g.addInput("x", "f32", ["N", 4]);
    const indices = g.addInput("indices", "i64", ["N", 2]);
    const updates = g.addInput("updates", "f32", ["N", 2]);
    const zeros = ops.filledLike(ops.shapeOf(x), x.shape, 0.5);
    assert.deepEqual(zeros.shape, ["N", 4]);
    g.addOutput(ops.scatterElements(zeros, indices, updates, -1), "y");
    const out = await runOnce(engine, g, {
      x: f32t([2, 4], [9, 9, 9, 9, 9, 9, 9, 9]),
      indices: i64t([2, 2], [3, 0, 1, 2]),
      updates: f32t([2, 2], [1, 2, 3, 4]),
    });
    assert.deepEqual(Array.from(outF32(out, "y", [2, 4])), [2, 0.5, 0.5, 1, 0.5, 3, 4, 0.5]);
  });

  test("indices and updates of another rank, or updates of another dtype, are build-time errors", () => {
    const g = new Graph("scatter");
    const data = g.addInput("data", "f32", [2, 4]);
    assert.throws(() => ops.scatterElements(data, g.addInput("i", "i64", [2]), g.addInput("u", "f32", [2]), 1), GraphBuildError);
    assert.throws(() => ops.scatterElements(data, g.addInput("j", "i64", [2, 1]), g.addInput("v", "i64", [2, 1]), 1), GraphBuildError);
    assert.throws(() => ops.filledLike(g.addInput("s", "i64", [2]), ["N", 4, 1]), GraphBuildError);
  });
});
