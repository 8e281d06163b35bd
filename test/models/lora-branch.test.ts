/**
 * One linear layer with plain LoRA parts on row ranges that tile the output, leave gaps or
 * overlap (the two ways the branch is built), with a lora_B bias, against float64 JavaScript.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph } from "../../src/onnx/graph.js";
import { AdapterBuildContext } from "../../src/nn/adapter-context.js";
import { LinearAdapterSet } from "../../src/nn/adapter-set.js";
import { Linear } from "../../src/nn/linear.js";
import { fuseLowRank, type LowRankPart } from "../../src/nn/lora.js";
import { InlineParams } from "../../src/components/params/load-params.js";
import { Prng } from "../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { engineForTests } from "../onnx/helpers.js";

const IN = 20;
const OUT = 30;

function matrix(prng: Prng, dims: readonly number[], std: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

function part(prng: Prng, rowStart: number, rowEnd: number, rank: number, scaling: number, withBias = false): LowRankPart {
  const rows = rowEnd - rowStart;
  return {
    A: matrix(prng, [rank, IN], 0.3),
    B: matrix(prng, [rows, rank], 0.3),
    bias: withBias ? matrix(prng, [rows], 0.3) : null,
    rowStart,
    rowEnd,
    scaling,
  };
}

const LAYOUTS: Record<string, (prng: Prng) => LowRankPart[]> = {
  "ranges tiling the rows (q, k, v, mlp)": (p) => [part(p, 10, 20, 2, 1), part(p, 0, 10, 3, 0.5), part(p, 20, 30, 2, 2)],
  "ranges with gaps": (p) => [part(p, 4, 12, 2, 1.5), part(p, 20, 26, 4, 1)],
  "overlapping ranges and a lora_B bias": (p) => [part(p, 0, 30, 2, 1, true), part(p, 5, 15, 3, 0.25)],
  "one range covering all rows": (p) => [part(p, 0, 30, 4, 0.75, true)],
};

describe("LoRA branch layouts vs a float64 reference", () => {
  const engine = engineForTests();

  for (const [title, layout] of Object.entries(LAYOUTS)) {
    test(title, async () => {
      const prng = new Prng(title.length);
      const weight = matrix(prng, [OUT, IN], 0.2);
      const bias = matrix(prng, [OUT], 0.1);
      const parts = layout(prng);
      const scale = -0.6;
      const g = new Graph("lora_layer");
      const x = g.addInput("x", "f32", ["B", "N", IN]);
      const scales = g.addInput("lora_scales", "f32", [2]);
      const set = new LinearAdapterSet(new Map([["layer", [{ scaleIndex: 1, lowRank: fuseLowRank(parts, IN, OUT), moe: [] }]]]), scales);
      const ctx = new AdapterBuildContext(
        g,
        new InlineParams(
          new Map([
            ["layer.weight", weight],
            ["layer.bias", bias],
          ]),
        ),
        new Set(),
        set,
      );
      g.addOutput(new Linear("layer", IN, OUT).forward(ctx, x), "y");
      const session = await engine.load(g);
      const input = matrix(prng, [2, 3, IN], 1);
      const { outputs } = await session.run({ x: input, lora_scales: tensor("f32", [2], Float32Array.of(9, scale)) });
      await session.release();
      const y = outputs["y"] as Tensor<"f32">;
      let maxErr = 0;
      for (let t = 0; t < 6; t++) {
        const xt = input.data.subarray(t * IN, (t + 1) * IN);
        for (let o = 0; o < OUT; o++) {
          let ref = bias.data[o] as number;
          for (let c = 0; c < IN; c++) ref += (weight.data[o * IN + c] as number) * (xt[c] as number);
          for (const p of parts) {
            if (o < p.rowStart || o >= p.rowEnd) continue;
            const r = p.A.dims[0] as number;
            let s = p.bias ? (p.bias.data[o - p.rowStart] as number) : 0;
            for (let j = 0; j < r; j++) {
              let h = 0;
              for (let c = 0; c < IN; c++) h += (p.A.data[j * IN + c] as number) * (xt[c] as number);
              s += (p.B.data[(o - p.rowStart) * r + j] as number) * h;
            }
            ref += scale * p.scaling * s;
          }
          maxErr = Math.max(maxErr, Math.abs(ref - (y.data[t * OUT + o] as number)));
        }
      }
      assert.ok(maxErr < 1e-5, `max error ${maxErr}`);
    });
  }
});
