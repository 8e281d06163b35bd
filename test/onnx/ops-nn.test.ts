/** Normalisations, activations, RoPE and attention run through ONNX Runtime against float64 references. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../src/onnx/index.js";
import { Engine } from "../../src/runtime/index.js";
import { assertClose, erf, f32t, geluErf, geluTanh, outF32, randT, runOnce } from "./helpers.js";

let engine: Engine;
before(() => {
  engine = new Engine();
});
after(() => engine.close());

/** Applies `f` to each contiguous row of length `n`. */
function rows(data: ArrayLike<number>, n: number, f: (row: number[]) => number[]): Float64Array {
  const out = new Float64Array(data.length);
  for (let r = 0; r < data.length / n; r++) out.set(f(Array.from({ length: n }, (_, i) => data[r * n + i] as number)), r * n);
  return out;
}

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
        return r.map((v, i) => ((v - mu) / Math.sqrt(variance + eps)) * (scale.data[i] as number) + (withBias ? (bias.data[i] as number) : 0));
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

describe("activations", () => {
  test("the erf reference is accurate", () => {
    // erf(0.5), erf(1), erf(2), erf(3) from tables (Abramowitz & Stegun, 7.1).
    assertClose([erf(0.5), erf(1), erf(2), erf(3), erf(-1)], [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.8427007929497149], "erf", { rtol: 1e-14, atol: 0 });
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

describe("rotaryEmbedding", () => {
  test("rotates adjacent pairs (x[2j], x[2j+1]) of every head by the per-batch, per-position angles", async () => {
    const [B, S, H, D] = [2, 3, 2, 8];
    const half = D / 2;
    const x = randT([B, S, H * D], 91);
    const angles = randT([B, S, half], 92, -Math.PI, Math.PI);
    const cos = f32t([B, S, half], Array.from(angles.data, Math.cos));
    const sin = f32t([B, S, half], Array.from(angles.data, Math.sin));
    const g = new Graph("rope");
    const y = ops.rotaryEmbedding(g.addInput("x", "f32", ["B", "S", H * D]), g.addInput("cos", "f32", ["B", "S", half]), g.addInput("sin", "f32", ["B", "S", half]), H);
    assert.deepEqual(y.shape, ["B", "S", H * D]);
    g.addOutput(y, "y");
    const out = await runOnce(engine, g, { x, cos, sin });
    const want = new Float64Array(B * S * H * D);
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        for (let h = 0; h < H; h++) {
          for (let j = 0; j < half; j++) {
            const base = (b * S + s) * H * D + h * D;
            const c = cos.data[(b * S + s) * half + j] as number;
            const sn = sin.data[(b * S + s) * half + j] as number;
            const x0 = x.data[base + 2 * j] as number;
            const x1 = x.data[base + 2 * j + 1] as number;
            want[base + 2 * j] = x0 * c - x1 * sn;
            want[base + 2 * j + 1] = x0 * sn + x1 * c;
          }
        }
      }
    }
    assertClose(outF32(out, "y", [B, S, H * D]), want, "rope", { atol: 1e-6 });
  });

  test("needs a 3-D input", () => {
    const g = new Graph("rope_bad");
    const c = g.addInput("c", "f32", [1, 2, 2]);
    assert.throws(() => ops.rotaryEmbedding(g.addInput("x", "f32", [2, 8]), c, c, 2), GraphBuildError);
  });
});

describe("multiHeadAttention", () => {
  const [B, S, L, H, D] = [2, 3, 5, 2, 4];
  const q = randT([B, S, H * D], 101, -2, 2);
  const k = randT([B, L, H * D], 102, -2, 2);
  const v = randT([B, L, H * D], 103);

  /** softmax(Q K^T * scale) V per batch and head, in float64. */
  function ref(scale: number): Float64Array {
    const out = new Float64Array(B * S * H * D);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let s = 0; s < S; s++) {
          const scores = Array.from({ length: L }, (_, l) => {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += (q.data[(b * S + s) * H * D + h * D + d] as number) * (k.data[(b * L + l) * H * D + h * D + d] as number);
            return dot * scale;
          });
          const m = Math.max(...scores);
          const e = scores.map((x) => Math.exp(x - m));
          const sum = e.reduce((x, y) => x + y, 0);
          for (let d = 0; d < D; d++) {
            let acc = 0;
            for (let l = 0; l < L; l++) acc += ((e[l] as number) / sum) * (v.data[(b * L + l) * H * D + h * D + d] as number);
            out[(b * S + s) * H * D + h * D + d] = acc;
          }
        }
      }
    }
    return out;
  }

  test("softmax(Q K^T / sqrt(d)) V per head, and with an explicit scale", async () => {
    const g = new Graph("mha");
    const qi = g.addInput("q", "f32", ["B", "S", H * D]);
    const ki = g.addInput("k", "f32", ["B", "L", H * D]);
    const vi = g.addInput("v", "f32", ["B", "L", H * D]);
    const plain = ops.multiHeadAttention(qi, ki, vi, H);
    const scaled = ops.multiHeadAttention(qi, ki, vi, H, 0.9);
    assert.deepEqual(plain.shape, ["B", "S", H * D]);
    g.addOutput(plain, "plain");
    g.addOutput(scaled, "scaled");
    const out = await runOnce(engine, g, { q, k, v });
    const tol = { rtol: 1e-6, atol: 1e-6 };
    const gotPlain = outF32(out, "plain", [B, S, H * D]);
    const gotScaled = outF32(out, "scaled", [B, S, H * D]);
    assertClose(gotPlain, ref(1 / Math.sqrt(D)), "mha default scale", tol);
    assertClose(gotScaled, ref(0.9), "mha scale 0.9", tol);
    assert.throws(() => assertClose(gotScaled, ref(1 / Math.sqrt(D)), "scale ignored?", tol));
  });

  test("the output takes the value hidden size; a 2-D query is a build-time error", () => {
    const g = new Graph("mha_shape");
    const qi = g.addInput("q", "f32", [1, 7, 16]);
    const ki = g.addInput("k", "f32", [1, 9, 16]);
    const vi = g.addInput("v", "f32", [1, 9, 8]);
    assert.deepEqual(ops.multiHeadAttention(qi, ki, vi, 2).shape, [1, 7, 8]);
    assert.throws(() => ops.multiHeadAttention(g.addInput("q2", "f32", [7, 16]), ki, vi, 2), GraphBuildError);
  });
});
