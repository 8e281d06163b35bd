/** rotaryEmbedding and multiHeadAttention run through ONNX Runtime against float64 references. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { assertClose, engineForTests, f32t, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("rotaryEmbedding", () => {
  test("rotates adjacent pairs (x[2j], x[2j+1]) of every head by the per-batch, per-position angles", async () => {
    const [B, S, H, D] = [2, 3, 2, 8];
    const half = D / 2;
    const x = randT([B, S, H * D], 91);
    const angles = randT([B, S, half], 92, -Math.PI, Math.PI);
    const cos = f32t([B, S, half], Array.from(angles.data, Math.cos));
    const sin = f32t([B, S, half], Array.from(angles.data, Math.sin));
    const g = new Graph("rope");
    const y = ops.rotaryEmbedding(
      g.addInput("x", "f32", ["B", "S", H * D]),
      g.addInput("cos", "f32", ["B", "S", half]),
      g.addInput("sin", "f32", ["B", "S", half]),
      H,
    );
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
            for (let d = 0; d < D; d++)
              dot += (q.data[(b * S + s) * H * D + h * D + d] as number) * (k.data[(b * L + l) * H * D + h * D + d] as number);
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
