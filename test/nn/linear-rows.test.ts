/** Linear.forwardRows: a product per row range of the weight, the same numbers as forward() and a Split. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Linear } from "../../src/nn/linear.js";
import { AdapterBuildContext, type LinearAdapters } from "../../src/nn/adapter-context.js";
import { LinearAdapterSet } from "../../src/nn/adapter-set.js";
import { fuseLowRank } from "../../src/nn/lora.js";
import { BuildContext, type ParamBinder, type ParamSpec, type QuantizedWeight } from "../../src/nn/module.js";
import { SingleStreamBlock } from "../../src/models/flux/single-block.js";
import { DoubleStreamBlock } from "../../src/models/flux/double-block.js";
import { Graph, type Value } from "../../src/onnx/index.js";
import { split } from "../../src/onnx/ops/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { engineForTests, randT, runOnce } from "../onnx/helpers.js";
import { mapBinder } from "./helpers.js";

const engine = engineForTests();

/** Builds forwardRows(sizes) as rows_i and split(forward()) as split_i in one graph; returns both sets of outputs. */
async function bothWays(
  layer: Linear,
  binder: ParamBinder,
  x: Tensor<"f32">,
  sizes: readonly number[],
): Promise<{ rows: Float32Array[]; split: Float32Array[]; graph: Graph }> {
  const g = new Graph("linear_rows");
  const ctx = new BuildContext(g, binder);
  const input = g.addInput("x", "f32", ["B", "L", layer.inFeatures]);
  layer.forwardRows(ctx, input, sizes).forEach((v, i) => g.addOutput(v, `rows_${i}`));
  split(layer.forward(ctx, input), sizes, -1).forEach((v, i) => g.addOutput(v, `split_${i}`));
  const out = await runOnce(engine, g, { x });
  const get = (name: string): Float32Array => (out[name] as Tensor<"f32">).data;
  return { rows: sizes.map((_, i) => get(`rows_${i}`)), split: sizes.map((_, i) => get(`split_${i}`)), graph: g };
}

describe("Linear.forwardRows", () => {
  test("float weights with bias: each row range equals the Split of the whole product, bit for bit", async () => {
    const [inF, sizes] = [64, [16, 16, 16, 40]];
    const outF = sizes.reduce((a, b) => a + b, 0);
    const binder = mapBinder(
      new Map([
        ["l1.weight", randT([outF, inF], 1)],
        ["l1.bias", randT([outF], 2)],
      ]),
    );
    const x = randT([2, 37, inF], 3);
    const got = await bothWays(new Linear("l1", inF, outF), binder, x, sizes);
    got.rows.forEach((r, i) => {
      assert.equal(r.length, 2 * 37 * (sizes[i] as number));
      assert.deepEqual(r, got.split[i], `range ${i}`);
    });
    assert.equal(got.graph.nodes.filter((n) => n.opType === "Gemm").length, sizes.length + 1);
  });

  test("8-bit MatMulNBits weights (two blocks per row, int8 activations): the same outputs as the Split", async () => {
    const [K, N, block] = [32, 24, 16];
    const codes = Uint8Array.from({ length: N * K }, (_, i) => (i * 37 + 11) % 256);
    const scales = Float32Array.from({ length: N * 2 }, (_, i) => 0.01 + (i % 7) * 0.003);
    let bound: QuantizedWeight | null = null;
    const binder: ParamBinder = {
      ...mapBinder(new Map([["q.bias", randT([N], 4)]])),
      bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
        if (spec.path !== "q.weight") return null;
        bound ??= {
          b: graph.addInitializer("q.weight.q8", { kind: "inline", tensor: tensor("u8", [N, 2, block], codes) }),
          scales: graph.addInitializer("q.weight.scales", { kind: "inline", tensor: tensor("f32", [N, 2], scales) }),
          zeroPoints: null,
          bits: 8,
          blockSize: block,
          accuracyLevel: 4,
        };
        return bound;
      },
    };
    const x = randT([1, 9, K], 5);
    const got = await bothWays(new Linear("q", K, N), binder, x, [8, 8, 8]);
    got.rows.forEach((r, i) => assert.deepEqual(r, got.split[i], `range ${i}`));
  });

  test("ranges that do not add up to the outputs are refused; under adapters it is the whole product and a Split", () => {
    const g = new Graph("linear_rows_refused");
    const layer = new Linear("l", 4, 6);
    const binder = mapBinder(
      new Map([
        ["l.weight", randT([6, 4], 6)],
        ["l.bias", randT([6], 7)],
      ]),
    );
    const x = g.addInput("x", "f32", ["N", 4]);
    assert.throws(() => layer.forwardRows(new BuildContext(g, binder), x, [3, 2]), /do not add up to its 6 outputs/);
    const none: LinearAdapters = { apply: (_ctx, _site, _x, y: Value) => y };
    const outs = layer.forwardRows(new AdapterBuildContext(g, binder, new Set(), none), x, [3, 3]);
    assert.equal(outs.length, 2);
    assert.equal(g.nodes.filter((n) => n.opType === "Split").length, 1);
  });

  test("a single block reads linear1 as four products: no Split of its [.., 3D + M] output", () => {
    const [dim, heads, mlp] = [16, 2, 64];
    const block = new SingleStreamBlock("single_blocks.0", dim, heads, mlp);
    const params = new Map(block.parameters().map((p, i) => [p.path, randT(p.shape, 10 + i)]));
    const g = new Graph("single_block");
    const ctx = new BuildContext(g, mapBinder(params));
    const x = g.addInput("x", "f32", [1, 8, dim]);
    const vec = g.addInput("vec", "f32", [1, dim]);
    const pe = { cos: g.addInput("pe_cos", "f32", [1, 8, dim / heads / 2]), sin: g.addInput("pe_sin", "f32", [1, 8, dim / heads / 2]) };
    g.addOutput(block.forward(ctx, x, vec, pe), "out");
    const wide = g.nodes.filter((n) => n.opType === "Split" && n.inputs[0]?.shape.at(-1) === 3 * dim + mlp);
    assert.equal(wide.length, 0);
    assert.equal(g.nodes.filter((n) => n.opType === "Gemm").length, 4 + 1 + 1, "linear1 x4, linear2, modulation");
  });

  test("a double block reads each stream's qkv as three products: no Split of a [.., 3D] output", () => {
    const [dim, heads, mlp] = [16, 2, 32];
    const block = new DoubleStreamBlock("double_blocks.0", dim, heads, mlp, true);
    const params = new Map(block.parameters().map((p, i) => [p.path, randT(p.shape, 40 + i)]));
    const g = new Graph("double_block");
    const ctx = new BuildContext(g, mapBinder(params));
    const img = g.addInput("img", "f32", [1, 8, dim]);
    const txt = g.addInput("txt", "f32", [1, 4, dim]);
    const vec = g.addInput("vec", "f32", [1, dim]);
    const pe = { cos: g.addInput("pe_cos", "f32", [1, 12, 4]), sin: g.addInput("pe_sin", "f32", [1, 12, 4]) };
    const out = block.forward(ctx, img, txt, vec, pe, "d0");
    g.addOutput(out.img, "img_out");
    const wide = g.nodes.filter((n) => n.opType === "Split" && n.inputs[0]?.shape.at(-1) === 3 * dim);
    assert.equal(wide.length, 0);
  });

  test("plain LoRA with an up block per range (two adapters, run-time scales): per-range branches, the same outputs as apply() and a Split", async () => {
    const [inF, sizes] = [12, [4, 4, 4, 10]];
    const outF = 22;
    const part = (seed: number, rowStart: number, rowEnd: number) => ({
      A: randT([2, inF], seed),
      B: randT([rowEnd - rowStart, 2], seed + 1),
      bias: null,
      rowStart,
      rowEnd,
      scaling: 0.5,
    });
    const ranges: [number, number][] = [
      [0, 4],
      [4, 8],
      [8, 12],
      [12, 22],
    ];
    const lowRank = (seed: number) =>
      fuseLowRank(
        ranges.map(([s, e], i) => part(seed + 2 * i, s, e)),
        inF,
        outF,
      );
    const params = new Map([
      ["l1.weight", randT([outF, inF], 1)],
      ["l1.bias", randT([outF], 2)],
    ]);
    const layer = new Linear("l1", inF, outF);
    const build = (rowsPath: boolean): Graph => {
      const g = new Graph(rowsPath ? "rows" : "split");
      const set = new LinearAdapterSet(
        new Map([
          [
            "l1",
            [
              { scaleIndex: 0, lowRank: lowRank(10), moe: [] },
              { scaleIndex: 1, lowRank: lowRank(30), moe: [] },
            ],
          ],
        ]),
        g.addInput("lora_scales", "f32", [2]),
      );
      const ctx = new AdapterBuildContext(g, mapBinder(params), new Set(), set);
      const x = g.addInput("x", "f32", ["B", "L", inF]);
      const outs = rowsPath ? layer.forwardRows(ctx, x, sizes) : split(layer.forward(ctx, x), sizes, -1);
      outs.forEach((v, i) => g.addOutput(v, `y${i}`));
      return g;
    };
    const rows = build(true);
    assert.equal(rows.nodes.filter((n) => n.opType === "Split" && n.inputs[0]?.shape.at(-1) === outF).length, 0);
    const feeds = { x: randT([2, 5, inF], 50), lora_scales: tensor("f32", [2], Float32Array.of(0.8, 1.3)) };
    const [a, b] = [await runOnce(engine, rows, feeds), await runOnce(engine, build(false), feeds)];
    sizes.forEach((_, i) => assert.deepEqual((a[`y${i}`] as Tensor<"f32">).data, (b[`y${i}`] as Tensor<"f32">).data, `range ${i}`));
  });
});
