/** LayerNorm with torch's affine parameters: (x - mean) / sqrt(var + eps) * weight + bias. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LayerNorm } from "../../src/nn/layer-norm.js";
import { Graph } from "../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { contextOver } from "./helpers.js";

const engine = engineForTests();

describe("LayerNorm", () => {
  test("normalises the last axis, then weight and bias; epsilon counts for near-constant rows", async () => {
    const [N, D, eps] = [3, 6, 1e-2];
    const norm = new LayerNorm("ln", D, eps);
    assert.deepEqual(
      norm.parameters().map((p) => p.path),
      ["ln.weight", "ln.bias"],
    );
    const [weight, bias] = [randT([D], 1), randT([D], 2)];
    const g = new Graph("ln");
    g.addOutput(norm.forward(contextOver(g, { "ln.weight": weight, "ln.bias": bias }), g.addInput("x", "f32", ["N", D])), "y");
    const x = randT([N, D], 3, -0.1, 0.1);
    const out = outF32(await runOnce(engine, g, { x }), "y", [N, D]);
    const want = new Float64Array(N * D);
    for (let r = 0; r < N; r++) {
      const row = Array.from(x.data.subarray(r * D, (r + 1) * D));
      const mean = row.reduce((a, b) => a + b, 0) / D;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / D;
      row.forEach((v, i) => {
        want[r * D + i] = ((v - mean) / Math.sqrt(variance + eps)) * (weight.data[i] as number) + (bias.data[i] as number);
      });
    }
    assertClose(out, want, "y", { rtol: 1e-4, atol: 1e-5 });
  });
});
