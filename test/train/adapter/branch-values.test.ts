/**
 * The training branches (adapter tensors as graph inputs, stacked and scaled in the graph) compute
 * exactly what the inference branches compute from host-fused constants: same outputs, bit for
 * bit, for q/k/v-style tiles, a block-diagonal layer, diffusers' swapped halves, a narrower A and
 * a MoE-LoRA module on some of a layer's rows.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fuseLowRank, lowRankBranch, lowRankConstants, type LowRankPart } from "../../../src/nn/lora.js";
import { fuseMoe, moeBranch, moeConstants } from "../../../src/nn/moe.js";
import { Graph, type Value } from "../../../src/onnx/index.js";
import type { Tensor } from "../../../src/tensor.js";
import { moeValues, plainValues } from "../../../src/train/adapter/branch-values.js";
import type { MoeModule, PlainModule } from "../../../src/train/adapter/modules.js";
import { padColumns, swapRowHalves } from "../../../src/weights/lora/tensors.js";
import type { LoraTarget } from "../../../src/weights/lora/targets.js";
import { engineForTests, outF32, randT, runOnce } from "../../onnx/helpers.js";

const engine = engineForTests();
const [N, IN, OUT] = [5, 6, 8];
const x = randT([N, IN], 1);
const y = randT([N, OUT], 2);

function target(rowStart: number, rowEnd: number, swapHalves = false): LoraTarget {
  return { linear: "layer", inFeatures: IN, outFeatures: OUT, rowStart, rowEnd, swapHalves };
}

interface Plain {
  readonly module: PlainModule;
  readonly A: Tensor<"f32">;
  readonly B: Tensor<"f32">;
}

function plain(name: string, seed: number, t: LoraTarget, rank: number, scaling: number, width = IN): Plain {
  const module: PlainModule = { kind: "plain", module: name, target: t, a: `${name}.A`, b: `${name}.B`, rank, scaling };
  return { module, A: randT([rank, width], seed), B: randT([t.rowEnd - t.rowStart, rank], seed + 1) };
}

/** The inference branch (host-fused constants) and the training branch (inputs) of one graph each; both outputs. */
async function both(
  inference: (g: Graph, xv: Value, yv: Value) => Value,
  training: (g: Graph, xv: Value, yv: Value, input: (key: string) => Value) => Value,
  tensors: ReadonlyMap<string, Tensor<"f32">>,
): Promise<[Float32Array, Float32Array]> {
  const g1 = new Graph("inference");
  g1.addOutput(inference(g1, g1.addInput("x", "f32", ["N", IN]), g1.addInput("y", "f32", ["N", OUT])), "out");
  const g2 = new Graph("training");
  const inputs = new Map([...tensors].map(([k, t]) => [k, g2.addInput(k, "f32", t.dims)]));
  const input = (key: string): Value => inputs.get(key) as Value;
  g2.addOutput(training(g2, g2.addInput("x", "f32", ["N", IN]), g2.addInput("y", "f32", ["N", OUT]), input), "out");
  const a = outF32(await runOnce(engine, g1, { x, y }), "out", [N, OUT]);
  const b = outF32(await runOnce(engine, g2, { x, y, ...Object.fromEntries(tensors) }), "out", [N, OUT]);
  return [a, b];
}

async function checkPlain(parts: readonly Plain[]): Promise<void> {
  const lowRank: LowRankPart[] = parts.map((p) => ({
    A: p.A.dims[1] === IN ? p.A : padColumns(p.A, IN),
    B: p.module.target.swapHalves ? swapRowHalves(p.B) : p.B,
    bias: null,
    rowStart: p.module.target.rowStart,
    rowEnd: p.module.target.rowEnd,
    scaling: p.module.scaling,
  }));
  const tensors = new Map(parts.flatMap((p) => [[p.module.a, p.A] as const, [p.module.b, p.B] as const]));
  const [want, got] = await both(
    (g, xv, yv) => lowRankBranch(xv, yv, lowRankConstants(g, fuseLowRank(lowRank, IN, OUT), "l"), null),
    (_g, xv, yv, input) =>
      lowRankBranch(
        xv,
        yv,
        plainValues(
          parts.map((p) => p.module),
          input,
        ),
        null,
      ),
    tensors,
  );
  assert.deepEqual(got, want);
  assert.ok(
    want.some((v, i) => v !== y.data[i]),
    "the branch changes y",
  );
}

describe("training branches equal the inference branches", () => {
  test("modules tiling the rows (q, k, v), scaling 0.5", async () => {
    await checkPlain([plain("q", 10, target(0, 3), 2, 0.5), plain("k", 20, target(3, 5), 2, 0.5), plain("v", 30, target(5, 8), 2, 0.5)]);
  });

  test("modules leaving rows out (block-diagonal up matrix), different ranks and scalings", async () => {
    await checkPlain([plain("q", 10, target(1, 3), 2, 1.5), plain("v", 30, target(5, 7), 3, 1)]);
  });

  test("one module over every row with diffusers' swapped halves, and an A narrower than the layer (zero-padded)", async () => {
    await checkPlain([plain("norm_out", 40, target(0, OUT, true), 3, 2, 4)]);
  });

  test("a MoE-LoRA module on rows [2:6] of the layer, expert scaling 0.75, top-2 of 3", async () => {
    const R = 2;
    const t = target(2, 6);
    const experts = [0, 1, 2].map((e) => ({ A: randT([R, IN], 50 + e), B: randT([4, R], 60 + e) }));
    const route = randT([3, IN], 70);
    const module: MoeModule = {
      kind: "moe",
      module: "m",
      target: t,
      experts: experts.map((_, e) => ({ a: `A${e}`, b: `B${e}` })),
      route: "route",
      rank: R,
      expertScaling: 0.75,
      topK: 2,
    };
    const tensors = new Map<string, Tensor<"f32">>([["route", route]]);
    experts.forEach((e, i) => {
      tensors.set(`A${i}`, e.A);
      tensors.set(`B${i}`, e.B);
    });
    const part = { experts, route, expertScaling: 0.75, topK: 2, rowStart: 2, rowEnd: 6 };
    const [want, got] = await both(
      (g, xv, yv) => moeBranch(xv, yv, moeConstants(g, fuseMoe(part, IN, OUT), "m"), null).y,
      (_g, xv, yv, input) => moeBranch(xv, yv, moeValues(module, input), null).y,
      tensors,
    );
    assert.deepEqual(got, want);
    assert.ok(
      want.some((v, i) => v !== y.data[i]),
      "the branch changes y",
    );
  });
});
