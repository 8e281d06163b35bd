/**
 * LinearAdapterSet through an AdapterBuildContext: a Linear adds each adapter's branch scaled by its
 * run-time entry of lora_scales; a plain BuildContext has no adapters.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AdapterBuildContext, adaptersOf } from "../../src/nn/adapter-context.js";
import { LinearAdapterSet, type LinearAdapter } from "../../src/nn/adapter-set.js";
import { Linear } from "../../src/nn/linear.js";
import { fuseLowRank } from "../../src/nn/lora.js";
import { fuseMoe } from "../../src/nn/moe.js";
import { Graph } from "../../src/onnx/index.js";
import { assertClose, engineForTests, f32t, outF32, randT, runOnce } from "../onnx/helpers.js";
import { contextOver, mapBinder, matmulRef, transposeRef } from "./helpers.js";

const engine = engineForTests();

const [B, L, IN, OUT] = [2, 3, 4, 5];
const w = randT([OUT, IN], 1);
const bias = randT([OUT], 2);
const A = randT([2, IN], 3);
const up = randT([OUT, 2], 4);
const route = randT([2, IN], 5, -2, 2);
const experts = [0, 1].map((e) => ({ A: randT([1, IN], 6 + e), B: randT([OUT, 1], 8 + e) }));

function adapters(): Map<string, LinearAdapter[]> {
  const lowRank = fuseLowRank([{ A, B: up, bias: null, rowStart: 0, rowEnd: OUT, scaling: 1 }], IN, OUT);
  const moe = fuseMoe({ experts, route, expertScaling: 1, topK: 1, rowStart: 0, rowEnd: OUT }, IN, OUT);
  return new Map([
    [
      "proj",
      [
        { scaleIndex: 0, lowRank, moe: [] },
        { scaleIndex: 1, lowRank: null, moe: [{ ...moe, tap: "route.proj" }] },
      ],
    ],
  ]);
}

describe("LinearAdapterSet", () => {
  test("a plain BuildContext carries no adapters", () => {
    const g = new Graph("plain");
    assert.equal(adaptersOf(contextOver(g, {})), null);
  });

  test("y = x W^T + b + s0 * B (A x) + s1 * (top-1 expert's B_e (A_e x)), and the routing tap [B, L, E]", async () => {
    const g = new Graph("adapted");
    const set = new LinearAdapterSet(adapters(), g.addInput("lora_scales", "f32", [2]));
    const ctx = new AdapterBuildContext(
      g,
      mapBinder(
        new Map([
          ["proj.weight", w],
          ["proj.bias", bias],
        ]),
      ),
      new Set(["route.proj"]),
      set,
    );
    assert.equal(adaptersOf(ctx), set);
    g.addOutput(new Linear("proj", IN, OUT).forward(ctx, g.addInput("x", "f32", ["B", "L", IN])), "y");
    const tap = ctx.taps.get("route.proj");
    assert.ok(tap);
    assert.deepEqual(tap.shape, ["B", "L", 2]);
    g.addOutput(tap, "route");
    const x = randT([B, L, IN], 10);
    const scales = [0.5, 2];
    const out = await runOnce(engine, g, { x, lora_scales: f32t([2], scales) });

    const rows = B * L;
    const base = matmulRef(x.data, transposeRef(w.data, OUT, IN), rows, IN, OUT).map((v, i) => v + (bias.data[i % OUT] as number));
    const low = matmulRef(matmulRef(x.data, transposeRef(A.data, 2, IN), rows, IN, 2), transposeRef(up.data, OUT, 2), rows, 2, OUT);
    const logits = matmulRef(x.data, transposeRef(route.data, 2, IN), rows, IN, 2);
    const want = new Float64Array(rows * OUT);
    const wantRoute = new Float64Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const e = (logits[r * 2 + 1] as number) > (logits[r * 2] as number) ? 1 : 0;
      wantRoute[r * 2 + e] = 1;
      const ex = experts[e];
      assert.ok(ex);
      let h = 0;
      for (let i = 0; i < IN; i++) h += (x.data[r * IN + i] as number) * (ex.A.data[i] as number);
      for (let o = 0; o < OUT; o++) {
        want[r * OUT + o] = (base[r * OUT + o] as number) + 0.5 * (low[r * OUT + o] as number) + 2 * h * (ex.B.data[o] as number);
      }
    }
    assertClose(outF32(out, "y", [B, L, OUT]), want, "y", { rtol: 1e-4, atol: 1e-5 });
    assertClose(outF32(out, "route", [B, L, 2]), wantRoute, "routing weights", { rtol: 0, atol: 1e-6 });
  });
});
