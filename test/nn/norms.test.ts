/** FLUX's norms: LayerNorm without affine, adaLN modulation, RMSNorm (whole rows and per head). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { layerNormNoAffine, modulatedNorm, RMSNorm } from "../../src/nn/norms.js";
import { Graph } from "../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { contextOver } from "./helpers.js";

const engine = engineForTests();

/** (x - mean) / sqrt(var + eps) per row of length n. */
function lnRows(x: ArrayLike<number>, n: number, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[r * n + i] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((x[r * n + i] as number) - mean) ** 2;
    v /= n;
    for (let i = 0; i < n; i++) out[r * n + i] = ((x[r * n + i] as number) - mean) / Math.sqrt(v + eps);
  }
  return out;
}

/** x / sqrt(mean(x^2) + eps) * scale per row of length n. */
function rmsRows(x: ArrayLike<number>, scale: ArrayLike<number>, n: number, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let ms = 0;
    for (let i = 0; i < n; i++) ms += (x[r * n + i] as number) ** 2;
    ms /= n;
    for (let i = 0; i < n; i++) out[r * n + i] = ((x[r * n + i] as number) / Math.sqrt(ms + eps)) * (scale[i] as number);
  }
  return out;
}

const [B, S, D] = [2, 3, 8];
const tol = { rtol: 1e-4, atol: 1e-5 };

describe("norms", () => {
  test("layerNormNoAffine and modulatedNorm: (1 + scale) * LN(x) + shift, shift/scale [B, 1, D]", async () => {
    const g = new Graph("norms");
    const ctx = contextOver(g, {});
    const x = g.addInput("x", "f32", ["B", "S", D]);
    g.addOutput(layerNormNoAffine(ctx, x, D, 1e-6), "ln");
    g.addOutput(modulatedNorm(ctx, x, g.addInput("shift", "f32", ["B", 1, D]), g.addInput("scale", "f32", ["B", 1, D]), D, 1e-6), "mod");
    const [xs, shift, scale] = [randT([B, S, D], 1, -3, 3), randT([B, 1, D], 2), randT([B, 1, D], 3)];
    const out = await runOnce(engine, g, { x: xs, shift, scale });
    const ln = lnRows(xs.data, D, 1e-6);
    assertClose(outF32(out, "ln", [B, S, D]), ln, "ln", tol);
    const mod = ln.map((v, i) => {
      const [b, d] = [Math.floor(i / (S * D)), i % D];
      return v * (1 + (scale.data[b * D + d] as number)) + (shift.data[b * D + d] as number);
    });
    assertClose(outF32(out, "mod", [B, S, D]), mod, "modulated", tol);
  });

  test("RMSNorm over whole rows and per head ([B, S, H*dim] normalised per dim-sized head)", async () => {
    const norm = new RMSNorm("q_norm", 4, 1e-6);
    assert.deepEqual(norm.parameters(), [{ path: "q_norm.scale", shape: [4] }]);
    const scale = randT([4], 4, 0.5, 1.5);
    const g = new Graph("rms");
    const ctx = contextOver(g, { "q_norm.scale": scale });
    g.addOutput(norm.forward(ctx, g.addInput("rows", "f32", ["N", 4])), "rows_out");
    g.addOutput(norm.forwardHeads(ctx, g.addInput("heads", "f32", ["B", "S", D]), 2), "heads_out");
    const [rows, heads] = [randT([3, 4], 5), randT([B, S, D], 6)];
    const out = await runOnce(engine, g, { rows, heads });
    assertClose(outF32(out, "rows_out", [3, 4]), rmsRows(rows.data, scale.data, 4, 1e-6), "rows", tol);
    assertClose(outF32(out, "heads_out", [B, S, D]), rmsRows(heads.data, scale.data, 4, 1e-6), "heads", tol);
  });
});
