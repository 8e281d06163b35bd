/** Gradient checkpointing: recomputed segments give the same gradients as kept activations. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gradients, type NodeRange } from "../../src/autodiff/index.js";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { engineForTests, randT, runOnce } from "../onnx/helpers.js";

const engine = engineForTests();

/** Three "blocks" x -> x + w_i * x * x, a loss sum(x^2); the ranges of the blocks' nodes. */
function chain(recompute: boolean): { graph: Graph; ranges: NodeRange[] } {
  const g = new Graph("chain");
  let x: Value = g.addInput("x", "f32", [2, 3]);
  const ws = [0, 1, 2].map((i) => g.addInput(`w${i}`, "f32", [3]));
  const ranges: NodeRange[] = [];
  for (const w of ws) {
    const start = g.nodes.length;
    x = ops.add(x, ops.mul(w, ops.mul(x, x)));
    ranges.push({ start, end: g.nodes.length });
  }
  const loss = ops.reduceSum(ops.mul(x, x), null, false);
  g.addOutput(loss, "loss");
  gradients(loss, ws, recompute ? { recompute: ranges } : {}).forEach((d, i) => g.addOutput(d, `grad${i}`));
  return { graph: g, ranges };
}

describe("gradient checkpointing (recompute segments in the backward pass)", () => {
  test("recomputed blocks give bit-identical gradients and clone each block once", async () => {
    const feeds = { x: randT([2, 3], 1, -0.5, 0.5), w0: randT([3], 2), w1: randT([3], 3), w2: randT([3], 4) };
    const kept = chain(false);
    const recomputed = chain(true);
    const a = await runOnce(engine, kept.graph, feeds);
    const b = await runOnce(engine, recomputed.graph, feeds);
    for (const name of ["loss", "grad0", "grad1", "grad2"]) {
      assert.deepEqual(Array.from(b[name]?.data as Float32Array), Array.from(a[name]?.data as Float32Array), name);
    }
    // Blocks 0 and 1 are recomputed (3 nodes each, plus a barrier); the last block's gradient arrives
    // first and is recomputed too. So the graph with recomputation has 3 x 3 more Mul/Add nodes.
    const count = (g: Graph, op: string): number => g.nodes.filter((n) => n.opType === op).length;
    assert.ok(count(recomputed.graph, "Mul") >= count(kept.graph, "Mul") + 6);
  });

  test("ranges that overlap or leave the graph are refused", () => {
    const g = new Graph("bad");
    const x = g.addInput("x", "f32", [2]);
    const loss = ops.reduceSum(ops.mul(x, x), null, false);
    assert.throws(
      () =>
        gradients(loss, [x], {
          recompute: [
            { start: 0, end: 2 },
            { start: 1, end: 2 },
          ],
        }),
      /overlaps/,
    );
    assert.throws(() => gradients(loss, [x], { recompute: [{ start: 0, end: 99 }] }), /out of the/);
  });
});
