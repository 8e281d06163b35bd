/**
 * One linear layer with a LoRA and a token-wise MoE-LoRA branch, built through the same hook the
 * transformer uses, against a float64 JavaScript implementation of ICEdit's moe_forward.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph } from "../../src/onnx/graph.js";
import { AdapterBuildContext } from "../../src/nn/adapter-context.js";
import { LinearAdapterSet } from "../../src/nn/adapter-set.js";
import { Linear } from "../../src/nn/linear.js";
import { fuseLowRank } from "../../src/nn/lora.js";
import { fuseMoe } from "../../src/nn/moe.js";
import { InlineParams } from "../../src/components/params/load-params.js";
import { Prng } from "../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { engineForTests } from "../onnx/helpers.js";

const IN = 24;
const OUT = 32;
const E = 6;
const R = 3;
/** The MoE module covers output rows [8, 24); the plain LoRA rows [0, 16). */
const MOE_ROWS = [8, 24] as const;
const LORA_ROWS = [0, 16] as const;

function matrix(prng: Prng, dims: readonly number[], std: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

/** (M [rows, cols]) v, float64. */
function matVec(m: Tensor<"f32">, v: ArrayLike<number>): number[] {
  const [rows, cols] = m.dims as [number, number];
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += (m.data[r * cols + c] as number) * (v[c] as number);
    return s;
  });
}

describe("MoE-LoRA layer vs a float64 reference", () => {
  const engine = engineForTests();

  for (const topK of [2, E]) {
    test(`${E} experts, top-${topK}, batch 2, with a plain LoRA on other rows and scale 0.7`, async () => {
      const prng = new Prng(100 + topK);
      const weight = matrix(prng, [OUT, IN], 0.2);
      const bias = matrix(prng, [OUT], 0.1);
      const experts = Array.from({ length: E }, () => ({
        A: matrix(prng, [R, IN], 0.3),
        B: matrix(prng, [MOE_ROWS[1] - MOE_ROWS[0], R], 0.3),
      }));
      const route = matrix(prng, [E, IN], 0.5);
      const loraA = matrix(prng, [2, IN], 0.3);
      const loraB = matrix(prng, [LORA_ROWS[1] - LORA_ROWS[0], 2], 0.3);
      const expertScaling = 1.25;
      const loraScaling = 0.5;
      const scale = 0.7;

      const g = new Graph("moe_layer");
      const x = g.addInput("x", "f32", ["B", "N", IN]);
      const scales = g.addInput("lora_scales", "f32", [1]);
      const lowRank = fuseLowRank(
        [{ A: loraA, B: loraB, bias: null, rowStart: LORA_ROWS[0], rowEnd: LORA_ROWS[1], scaling: loraScaling }],
        IN,
        OUT,
      );
      const moe = {
        ...fuseMoe({ experts, route, expertScaling, topK, rowStart: MOE_ROWS[0], rowEnd: MOE_ROWS[1] }, IN, OUT),
        tap: "route.layer",
      };
      const set = new LinearAdapterSet(new Map([["layer", [{ scaleIndex: 0, lowRank, moe: [moe] }]]]), scales);
      const binder = new InlineParams(
        new Map([
          ["layer.weight", weight],
          ["layer.bias", bias],
        ]),
      );
      const ctx = new AdapterBuildContext(g, binder, new Set(["route.layer"]), set);
      g.addOutput(new Linear("layer", IN, OUT).forward(ctx, x), "y");
      const routeTap = ctx.taps.get("route.layer");
      assert.ok(routeTap);
      g.addOutput(routeTap, "route");
      const session = await engine.load(g);

      const batch = 2;
      const tokens = 10;
      const input = matrix(prng, [batch, tokens, IN], 1);
      const { outputs } = await session.run({ x: input, lora_scales: tensor("f32", [1], Float32Array.of(scale)) });
      await session.release();
      const y = outputs["y"] as Tensor<"f32">;
      const w = outputs["route"] as Tensor<"f32">;
      assert.deepEqual(y.dims, [batch, tokens, OUT]);
      assert.deepEqual(w.dims, [batch, tokens, E]);

      let maxErr = 0;
      let minMargin = Infinity;
      for (let t = 0; t < batch * tokens; t++) {
        const xt = input.data.subarray(t * IN, (t + 1) * IN);
        const logits = matVec(route, xt);
        const order = logits.map((v, e) => [v, e] as const).sort((p, q) => q[0] - p[0]);
        if (topK < E) minMargin = Math.min(minMargin, (order[topK - 1]?.[0] ?? 0) - (order[topK]?.[0] ?? 0));
        const top = order.slice(0, topK);
        const z = top.reduce((s, [v]) => s + Math.exp(v - (top[0]?.[0] ?? 0)), 0);
        const weights = new Array<number>(E).fill(0);
        for (const [v, e] of top) weights[e] = Math.exp(v - (top[0]?.[0] ?? 0)) / z;
        const ref = matVec(weight, xt).map((v, o) => v + (bias.data[o] as number));
        const lora = matVec(loraB, matVec(loraA, xt));
        lora.forEach((v, i) => (ref[LORA_ROWS[0] + i] = (ref[LORA_ROWS[0] + i] as number) + scale * loraScaling * v));
        experts.forEach((ex, e) => {
          const contribution = matVec(ex.B, matVec(ex.A, xt));
          contribution.forEach(
            (v, i) => (ref[MOE_ROWS[0] + i] = (ref[MOE_ROWS[0] + i] as number) + scale * expertScaling * (weights[e] as number) * v),
          );
        });
        ref.forEach((v, o) => (maxErr = Math.max(maxErr, Math.abs(v - (y.data[t * OUT + o] as number)))));
        weights.forEach((v, e) => (maxErr = Math.max(maxErr, Math.abs(v - (w.data[t * E + e] as number)))));
      }
      if (topK < E) assert.ok(minMargin > 1e-3, `routing margin ${minMargin} too small for a stable check`);
      assert.ok(maxErr < 1e-5, `max error ${maxErr}`);
    });
  }
});
