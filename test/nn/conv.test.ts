/** Conv2d: torch's Conv2d parameters (weight [out, in, k, k], bias [out]) over ops.conv. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Conv2d } from "../../src/nn/conv.js";
import { Graph } from "../../src/onnx/index.js";
import { engineForTests, f32t, outF32, runOnce } from "../onnx/helpers.js";
import { contextOver } from "./helpers.js";

const engine = engineForTests();

describe("Conv2d", () => {
  test("Conv2d module: torch weight layout [out, in, k, k], 1x1 kernel", async () => {
    const layer = new Conv2d("proj", 3, 2, 1);
    assert.deepEqual(
      layer.parameters().map((p) => [p.path, p.shape]),
      [
        ["proj.weight", [2, 3, 1, 1]],
        ["proj.bias", [2]],
      ],
    );
    const w = f32t([2, 3, 1, 1], [1, 2, 3, -1, 0, 0.5]);
    const bias = f32t([2], [0.25, -1]);
    const g = new Graph("conv2d_module");
    const ctx = contextOver(g, { "proj.weight": w, "proj.bias": bias });
    g.addOutput(layer.forward(ctx, g.addInput("x", "f32", [1, 3, 1, 2])), "y");
    const out = await runOnce(engine, g, { x: f32t([1, 3, 1, 2], [1, 10, 2, 20, 3, 30]) });
    // channel 0: 1*x0 + 2*x1 + 3*x2 + 0.25; channel 1: -x0 + 0.5*x2 - 1
    assert.deepEqual([...outF32(out, "y", [1, 2, 1, 2])], [1 + 4 + 9 + 0.25, 10 + 40 + 90 + 0.25, -1 + 1.5 - 1, -10 + 15 - 1]);
  });

  test("stride 2 and asymmetric padding [top, left, bottom, right], no bias: a 2x2 kernel of ones sums windows", async () => {
    const layer = new Conv2d("down", 1, 1, 2, { stride: 2, padding: [0, 0, 1, 1], bias: false });
    assert.deepEqual(
      layer.parameters().map((p) => p.path),
      ["down.weight"],
    );
    const g = new Graph("conv2d_down");
    const ctx = contextOver(g, { "down.weight": f32t([1, 1, 2, 2], [1, 1, 1, 1]) });
    const y = layer.forward(ctx, g.addInput("x", "f32", [1, 1, "H", "W"]));
    assert.deepEqual(y.shape, [1, 1, "floor((H+1)/2)", "floor((W+1)/2)"]);
    g.addOutput(y, "y");
    const x = f32t([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Windows (rows 0-1, 2-3) x (cols 0-1, 2-3), zero-padded past the bottom and right edges.
    assert.deepEqual([...outF32(await runOnce(engine, g, { x }), "y", [1, 1, 2, 2])], [12, 9, 15, 9]);
  });
});
