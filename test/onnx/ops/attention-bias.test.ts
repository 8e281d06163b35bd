/** multiHeadAttentionBiased: softmax(scale * Q K^T + bias) V per head, the bias broadcast over batch. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

describe("multiHeadAttentionBiased", () => {
  const [B, S, H, D] = [2, 3, 2, 4];
  const q = randT([B, S, H * D], 1, -2, 2);
  const k = randT([B, S, H * D], 2, -2, 2);
  const v = randT([B, S, H * D], 3);
  const bias = randT([1, H, S, S], 4, -3, 3);

  function ref(scale: number): Float64Array {
    const out = new Float64Array(B * S * H * D);
    const at = (t: Float32Array, b: number, s: number, h: number, d: number): number => t[(b * S + s) * H * D + h * D + d] as number;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let s = 0; s < S; s++) {
          const logits = Array.from({ length: S }, (_, l) => {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += at(q.data, b, s, h, d) * at(k.data, b, l, h, d);
            return scale * dot + (bias.data[(h * S + s) * S + l] as number);
          });
          const m = Math.max(...logits);
          const e = logits.map((x) => Math.exp(x - m));
          const sum = e.reduce((x, y) => x + y, 0);
          for (let d = 0; d < D; d++)
            out[(b * S + s) * H * D + h * D + d] = e.reduce((acc, p, l) => acc + (p / sum) * at(v.data, b, l, h, d), 0);
        }
      }
    }
    return out;
  }

  for (const scale of [1, 0.5]) {
    test(`scale ${scale}: additive [1, H, S, S] bias, shared by the batch`, async () => {
      const g = new Graph("mha_bias");
      const [qv, kv, vv] = [
        g.addInput("q", "f32", ["B", "S", H * D]),
        g.addInput("k", "f32", ["B", "S", H * D]),
        g.addInput("v", "f32", ["B", "S", H * D]),
      ];
      const y = ops.multiHeadAttentionBiased(qv, kv, vv, H, g.addInput("bias", "f32", [1, H, "S", "S"]), scale);
      assert.deepEqual(y.shape, ["B", "S", H * D]);
      g.addOutput(y, "y");
      const out = await runOnce(engine, g, { q, k, v, bias });
      assertClose(outF32(out, "y", [B, S, H * D]), ref(scale), "attention", { rtol: 1e-4, atol: 1e-5 });
    });
  }

  test("a bias that is not 4-D, or has another head count, is a build-time error", () => {
    const g = new Graph("bad");
    const x = g.addInput("x", "f32", [1, S, H * D]);
    assert.throws(() => ops.multiHeadAttentionBiased(x, x, x, H, g.addInput("b3", "f32", [H, S, S]), 1), GraphBuildError);
    assert.throws(() => ops.multiHeadAttentionBiased(x, x, x, H, g.addInput("b4", "f32", [1, 3, S, S]), 1), GraphBuildError);
  });
});
