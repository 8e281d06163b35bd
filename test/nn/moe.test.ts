/** The LoRA-MoE branch: top-k routing weights and the weighted experts, against float64 references. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { fuseMoe, moeBranch, moeConstants, moeRouteWeights, type MoePart } from "../../src/nn/moe.js";
import { Graph } from "../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { matmulRef, transposeRef } from "./helpers.js";

const engine = engineForTests();

const [N, IN, OUT, E, R] = [4, 6, 5, 3, 2];
const x = randT([N, IN], 1);
const route = randT([E, IN], 2, -2, 2);

/** softmax over the k largest logits of each row, zeros elsewhere: [N, E]. */
function routeRef(k: number): Float64Array {
  const logits = matmulRef(x.data, transposeRef(route.data, E, IN), N, IN, E);
  const w = new Float64Array(N * E);
  for (let n = 0; n < N; n++) {
    const row = Array.from(logits.subarray(n * E, (n + 1) * E));
    const top = row
      .map((v, e) => [v, e] as const)
      .sort((p, q) => q[0] - p[0])
      .slice(0, k);
    const m = top[0]?.[0] ?? 0;
    const sum = top.reduce((s, [v]) => s + Math.exp(v - m), 0);
    for (const [v, e] of top) w[n * E + e] = Math.exp(v - m) / sum;
  }
  return w;
}

describe("moeRouteWeights", () => {
  for (const k of [1, 2, 3]) {
    test(`top-${k} of ${E} experts: softmax over the chosen logits, zeros elsewhere`, async () => {
      const g = new Graph("route");
      const weights = moeRouteWeights(g.addInput("x", "f32", ["N", IN]), g.constant(route, "route"), k);
      assert.deepEqual(weights.shape, ["N", E]);
      g.addOutput(weights, "w");
      const out = await runOnce(engine, g, { x });
      assertClose(outF32(out, "w", [N, E]), routeRef(k), `top-${k} weights`, { rtol: 1e-5, atol: 1e-6 });
    });
  }
});

describe("moeBranch", () => {
  const experts = [0, 1, 2].map((e) => ({ A: randT([R, IN], 10 + e), B: randT([3, R], 20 + e) }));
  const part: MoePart = { experts, route, expertScaling: 0.75, topK: 2, rowStart: 1, rowEnd: 4 };

  test("y + s * sum_e w_e * scaling * B_e (A_e x) on the part's rows, and the routing weights", async () => {
    const g = new Graph("moe");
    const xv = g.addInput("x", "f32", ["N", IN]);
    const y = g.addInput("y", "f32", ["N", OUT]);
    const s = g.addInput("s", "f32", []);
    const branch = moeBranch(xv, y, moeConstants(g, fuseMoe(part, IN, OUT), "layer"), s);
    g.addOutput(branch.y, "out");
    g.addOutput(branch.weights, "w");
    const yData = randT([N, OUT], 3);
    const scale = 0.6;
    const out = await runOnce(engine, g, { x, y: yData, s: randT([], 0, scale, scale) });
    const w = routeRef(2);
    const want = Float64Array.from(yData.data);
    experts.forEach((ex, e) => {
      const h = matmulRef(x.data, transposeRef(ex.A.data, R, IN), N, IN, R);
      const up = matmulRef(h, transposeRef(ex.B.data, 3, R), N, R, 3);
      for (let n = 0; n < N; n++) {
        const weight = scale * (w[n * E + e] as number) * 0.75;
        for (let o = 0; o < 3; o++) want[n * OUT + 1 + o] = (want[n * OUT + 1 + o] as number) + weight * (up[n * 3 + o] as number);
      }
    });
    assertClose(outF32(out, "out", [N, OUT]), want, "branch output", { rtol: 1e-4, atol: 1e-5 });
    assertClose(outF32(out, "w", [N, E]), w, "routing weights", { rtol: 1e-5, atol: 1e-6 });
  });

  test("fuseMoe refuses a top-k outside [1, E] and experts that do not fit", () => {
    assert.throws(() => fuseMoe({ ...part, topK: 4 }, IN, OUT), InvalidArgumentError);
    assert.throws(() => fuseMoe({ ...part, topK: 0 }, IN, OUT), InvalidArgumentError);
    assert.throws(() => fuseMoe(part, IN + 1, OUT), InvalidArgumentError);
    assert.throws(() => fuseMoe({ ...part, experts: [] }, IN, OUT), InvalidArgumentError);
  });
});
