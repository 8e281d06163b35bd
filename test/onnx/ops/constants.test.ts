/** constF32, scalarF32 and constI64: inline initializers with the given dims and values. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, ops, type Value } from "../../../src/onnx/index.js";
import { engineForTests, f32t, outF32, runOnce } from "../helpers.js";

const engine = engineForTests();

function inline(g: Graph, v: Value): { dtype: string; dims: readonly number[]; data: number[] } {
  const init = g.initializers.get(v.name);
  assert.ok(init && init.data.kind === "inline", `${v.name} is an inline initializer`);
  const t = init.data.tensor;
  return { dtype: t.dtype, dims: t.dims, data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
}

describe("constants", () => {
  test("dtypes, dims (default: a vector), values and fresh names", () => {
    const g = new Graph("c");
    const a = ops.constF32(g, [1.5, -2]);
    const b = ops.constF32(g, [1, 2, 3, 4], [2, 2], "m");
    const s = ops.scalarF32(g, 0.25);
    const i = ops.constI64(g, [-1, 7]);
    assert.deepEqual(inline(g, a), { dtype: "f32", dims: [2], data: [1.5, -2] });
    assert.deepEqual(inline(g, b), { dtype: "f32", dims: [2, 2], data: [1, 2, 3, 4] });
    assert.deepEqual(inline(g, s), { dtype: "f32", dims: [], data: [0.25] });
    assert.deepEqual(inline(g, i), { dtype: "i64", dims: [2], data: [-1, 7] });
    assert.equal(new Set([a.name, b.name, s.name, i.name, ops.constF32(g, [0]).name]).size, 5);
  });

  test("a constant [2, 2] and a scalar broadcast in a graph run", async () => {
    const g = new Graph("run");
    const x = g.addInput("x", "f32", [2, 2]);
    g.addOutput(ops.mul(ops.add(x, ops.constF32(g, [1, 2, 3, 4], [2, 2])), ops.scalarF32(g, 0.5)), "y");
    const out = await runOnce(engine, g, { x: f32t([2, 2], [1, 1, 1, 1]) });
    assert.deepEqual(Array.from(outF32(out, "y", [2, 2])), [1, 1.5, 2, 2.5]);
  });
});
