/** layerNorm, rmsNorm and instanceNorm run through ONNX Runtime against float64 references. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, ops } from "../../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, rows, runOnce } from "../helpers.js";

const engine = engineForTests();

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe("normalisations", () => {
  test("layerNorm over the last axis, with and without bias", async () => {
    const x = randT([2, 3, 8], 71, -3, 5);
    const scale = randT([8], 72, 0.5, 1.5);
    const bias = randT([8], 73);
    const eps = 1e-5;
    const g = new Graph("layer_norm");
    const xi = g.addInput("x", "f32", ["B", 3, 8]);
    const a = ops.layerNorm(xi, g.constant(scale), g.constant(bias), eps);
    const b = ops.layerNorm(xi, g.constant(scale), null, eps);
    assert.deepEqual(a.shape, ["B", 3, 8]);
    g.addOutput(a, "with_bias");
    g.addOutput(b, "no_bias");
    const out = await runOnce(engine, g, { x });
    const ref = (withBias: boolean): Float64Array =>
      rows(x.data, 8, (r) => {
        const mu = mean(r);
        const variance = mean(r.map((v) => (v - mu) ** 2));
        return r.map(
          (v, i) => ((v - mu) / Math.sqrt(variance + eps)) * (scale.data[i] as number) + (withBias ? (bias.data[i] as number) : 0),
        );
      });
    assertClose(outF32(out, "with_bias", [2, 3, 8]), ref(true), "layerNorm with bias", { atol: 1e-6 });
    assertClose(outF32(out, "no_bias", [2, 3, 8]), ref(false), "layerNorm without bias", { atol: 1e-6 });
  });

  test("rmsNorm honours epsilon (tiny inputs, where eps dominates mean(x^2))", async () => {
    const x = randT([3, 16], 74, -1e-4, 1e-4); // mean(x^2) ~ 3e-9
    const scale = randT([16], 75, 0.5, 2);
    const ref = (eps: number): Float64Array =>
      rows(x.data, 16, (r) => {
        const inv = 1 / Math.sqrt(mean(r.map((v) => v * v)) + eps);
        return r.map((v, i) => v * inv * (scale.data[i] as number));
      });
    const g = new Graph("rms_norm");
    const xi = g.addInput("x", "f32", [3, 16]);
    const y6 = ops.rmsNorm(xi, g.constant(scale), 1e-6);
    const y3 = ops.rmsNorm(xi, g.constant(scale), 1e-3);
    assert.deepEqual(y6.shape, [3, 16]);
    g.addOutput(y6, "eps6");
    g.addOutput(y3, "eps3");
    const out = await runOnce(engine, g, { x });
    const got6 = outF32(out, "eps6", [3, 16]);
    assertClose(got6, ref(1e-6), "rmsNorm eps=1e-6");
    assertClose(outF32(out, "eps3", [3, 16]), ref(1e-3), "rmsNorm eps=1e-3");
    // The check discriminates: ONNX's default eps (1e-5) or no eps would give very different values.
    assert.throws(() => assertClose(got6, ref(1e-5), "default eps"));
    assert.throws(() => assertClose(got6, ref(0), "no eps"));
  });

  test("instanceNorm over the spatial axes of [N, C, H, W]", async () => {
    const [n, c, hw] = [2, 3, 20];
    const x = randT([n, c, 4, 5], 76, -2, 4);
    const scale = randT([c], 77, 0.5, 1.5);
    const bias = randT([c], 78);
    const eps = 1e-5;
    const g = new Graph("instance_norm");
    const y = ops.instanceNorm(g.addInput("x", "f32", ["N", c, 4, 5]), g.constant(scale), g.constant(bias), eps);
    assert.deepEqual(y.shape, ["N", c, 4, 5]);
    g.addOutput(y, "y");
    const out = await runOnce(engine, g, { x });
    let row = 0;
    const want = rows(x.data, hw, (r) => {
      const ch = row++ % c;
      const mu = mean(r);
      const variance = mean(r.map((v) => (v - mu) ** 2));
      return r.map((v) => ((v - mu) / Math.sqrt(variance + eps)) * (scale.data[ch] as number) + (bias.data[ch] as number));
    });
    assertClose(outF32(out, "y", [n, c, 4, 5]), want, "instanceNorm", { atol: 1e-6 });
  });
});
