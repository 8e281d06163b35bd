/** GroupNorm (Reshape + InstanceNormalization + affine) against a plain-JS float64 reference. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError } from "../../src/onnx/index.js";
import { GroupNorm } from "../../src/nn/group-norm.js";
import type { Tensor } from "../../src/tensor.js";
import { assertClose, engineForTests, outF32, randT } from "../onnx/helpers.js";
import { contextOver } from "./helpers.js";

const engine = engineForTests();

/** torch.nn.GroupNorm: per (batch, group) mean and biased variance over the group's channels and pixels. */
function groupNormRef(x: Tensor<"f32">, weight: Tensor<"f32">, bias: Tensor<"f32">, groups: number, eps: number): Float64Array {
  const [n, c] = x.dims as [number, number];
  const pixels = x.data.length / (n * c);
  const per = (c / groups) * pixels;
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < n; b++) {
    for (let gi = 0; gi < groups; gi++) {
      const start = (b * groups + gi) * per;
      let mean = 0;
      for (let i = 0; i < per; i++) mean += x.data[start + i] as number;
      mean /= per;
      let variance = 0;
      for (let i = 0; i < per; i++) variance += ((x.data[start + i] as number) - mean) ** 2;
      variance /= per;
      for (let i = 0; i < per; i++) {
        const ch = gi * (c / groups) + Math.floor(i / pixels);
        const v = ((x.data[start + i] as number) - mean) / Math.sqrt(variance + eps);
        out[start + i] = v * (weight.data[ch] as number) + (bias.data[ch] as number);
      }
    }
  }
  return out;
}

describe("GroupNorm", () => {
  test("one graph for every spatial size: 8 channels in 4 groups, eps 1e-6, affine", async () => {
    const norm = new GroupNorm("norm", 4, 8, 1e-6);
    const weight = randT([8], 21, 0.5, 1.5);
    const bias = randT([8], 22);
    const g = new Graph("group_norm");
    const ctx = contextOver(g, { "norm.weight": weight, "norm.bias": bias });
    const y = norm.forward(ctx, g.addInput("x", "f32", ["B", 8, "H", "W"]));
    assert.deepEqual(y.shape, ["B", 8, "H", "W"]);
    g.addOutput(y, "y");
    const session = await engine.load(g);
    try {
      for (const [dims, seed] of [
        [[2, 8, 3, 5], 23],
        [[1, 8, 4, 4], 24],
      ] as const) {
        const x = randT(dims, seed, -3, 5);
        const { outputs } = await session.run({ x });
        assertClose(outF32(outputs, "y", dims), groupNormRef(x, weight, bias, 4, 1e-6), `group norm ${dims}`, { atol: 2e-6, rtol: 1e-5 });
      }
    } finally {
      await session.release();
    }
  });

  test("epsilon matters for near-constant groups", async () => {
    const norm = new GroupNorm("n", 2, 2, 1e-2);
    const ones = randT([2], 31, 1, 1);
    const zeros = randT([2], 32, 0, 0);
    const g = new Graph("group_norm_eps");
    const ctx = contextOver(g, { "n.weight": ones, "n.bias": zeros });
    g.addOutput(norm.forward(ctx, g.addInput("x", "f32", [1, 2, 2, 2])), "y");
    const session = await engine.load(g);
    try {
      const x = randT([1, 2, 2, 2], 33, -0.01, 0.01);
      const { outputs } = await session.run({ x });
      const got = outF32(outputs, "y", [1, 2, 2, 2]);
      assertClose(got, groupNormRef(x, ones, zeros, 2, 1e-2), "eps 1e-2", { atol: 1e-6 });
      assert.throws(() => assertClose(got, groupNormRef(x, ones, zeros, 2, 1e-6), "eps 1e-6", { atol: 1e-3 }));
    } finally {
      await session.release();
    }
  });

  test("channels must split into the groups", () => {
    assert.throws(() => new GroupNorm("bad", 32, 48, 1e-6), GraphBuildError);
  });
});
