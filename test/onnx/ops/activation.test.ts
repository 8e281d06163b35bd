/** gelu (tanh and erf forms) and softmax run through ONNX Runtime against float64 references. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { assertClose, engineForTests, erf, f32t, geluErf, geluTanh, outF32, randT, rows, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("activations", () => {
  test("the erf reference is accurate", () => {
    // erf(0.5), erf(1), erf(2), erf(3) from tables (Abramowitz & Stegun, 7.1).
    assertClose(
      [erf(0.5), erf(1), erf(2), erf(3), erf(-1)],
      [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.8427007929497149],
      "erf",
      { rtol: 1e-14, atol: 0 },
    );
  });

  test("gelu tanh and exact (erf) forms match their formulas and differ at 1.5", async () => {
    const values = [-4, -2.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 2, 3, 4];
    const g = new Graph("gelu");
    const xi = g.addInput("x", "f32", [values.length]);
    const t = ops.gelu(xi, "tanh");
    const e = ops.gelu(xi, "none");
    assert.deepEqual(t.shape, [values.length]);
    g.addOutput(t, "tanh");
    g.addOutput(e, "erf");
    const out = await runOnce(engine, g, { x: f32t([values.length], values) });
    const gotT = outF32(out, "tanh", [values.length]);
    const gotE = outF32(out, "erf", [values.length]);
    const tol = { rtol: 1e-6, atol: 1e-6 };
    assertClose(gotT, values.map(geluTanh), "gelu tanh", tol);
    assertClose(gotE, values.map(geluErf), "gelu erf", tol);
    // At 1.5 the two forms are 2.2e-4 apart, far beyond the tolerance: each output is the one asked for.
    const at = values.indexOf(1.5);
    assert.ok(Math.abs(geluErf(1.5) - geluTanh(1.5)) > 50 * (tol.atol + tol.rtol * 1.4));
    assert.throws(() => assertClose([gotT[at] as number], [geluErf(1.5)], "tanh vs erf", tol));
    assert.throws(() => assertClose([gotE[at] as number], [geluTanh(1.5)], "erf vs tanh", tol));
  });

  test("softmax over the last axis and over axis 1", async () => {
    const x = randT([2, 3, 5], 81, -6, 6);
    const g = new Graph("softmax");
    const xi = g.addInput("x", "f32", [2, 3, 5]);
    const last = ops.softmax(xi);
    const mid = ops.softmax(xi, 1);
    assert.deepEqual(last.shape, [2, 3, 5]);
    g.addOutput(last, "last");
    g.addOutput(mid, "mid");
    const out = await runOnce(engine, g, { x });
    const sm = (r: number[]): number[] => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    assertClose(outF32(out, "last", [2, 3, 5]), rows(x.data, 5, sm), "softmax axis -1", { atol: 1e-7 });
    const want = new Float64Array(30);
    for (let b = 0; b < 2; b++) {
      for (let d = 0; d < 5; d++) {
        const col = sm([0, 1, 2].map((s) => x.data[b * 15 + s * 5 + d] as number));
        col.forEach((v, s) => (want[b * 15 + s * 5 + d] = v));
      }
    }
    assertClose(outF32(out, "mid", [2, 3, 5]), want, "softmax axis 1", { atol: 1e-7 });
    assert.throws(() => ops.softmax(xi, 3), GraphBuildError);
  });
});
