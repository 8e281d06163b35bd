/** The speed and profile benches' helpers: flags, image differences, where nodes belong, a run split by block. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBenchArgs } from "../../bench/flags.js";
import { imageDiff } from "../../bench/image-diff.js";
import { nodePlaces, sumBy } from "../../bench/profile-trace.js";
import { splitRun } from "../../bench/speed-step.js";
import { Flux, buildFluxGraph } from "../../src/models/flux/model.js";
import type { FluxParams } from "../../src/models/flux/params.js";
import { tensor } from "../../src/tensor.js";
import { randT } from "../onnx/helpers.js";
import { mapBinder } from "../nn/helpers.js";

describe("bench helpers", () => {
  test("parseBenchArgs: sections, --name value and --name=value; a flag without a value is refused", () => {
    const parsed = parseBenchArgs(["speed", "--blocks", "1+1", "--count=8", "profile"]);
    assert.deepEqual(parsed.sections, ["speed", "profile"]);
    assert.equal(parsed.values.get("blocks"), "1+1");
    assert.equal(parsed.values.get("count"), "8");
    assert.throws(() => parseBenchArgs(["--runs"]), /needs a value/);
  });

  test("imageDiff: mean abs and PSNR in 8-bit units, pooled; identical images have no PSNR", () => {
    const a = tensor("u8", [4], Uint8Array.of(0, 10, 20, 30));
    const b = tensor("u8", [4], Uint8Array.of(2, 10, 18, 30));
    const d = imageDiff([a, a], [b, a]);
    // 8 values: |d| = 2, 0, 2, 0, then 0 x4 -> mean 0.5; MSE = 8 / 8 = 1 -> 20 log10(255)
    assert.equal(d.mean_abs, 0.5);
    assert.equal(d.psnr_db, Math.round(20 * Math.log10(255) * 100) / 100);
    assert.deepEqual(imageDiff([a], [a]), { mean_abs: 0, psnr_db: null });
  });

  test("nodePlaces and splitRun: a tiny FLUX graph's nodes go to their blocks, and a run splits into them", () => {
    const params: FluxParams = {
      inChannels: 8,
      outChannels: 8,
      vecInDim: 8,
      contextInDim: 8,
      hiddenSize: 16,
      mlpRatio: 2,
      numHeads: 2,
      depth: 2,
      depthSingleBlocks: 2,
      axesDim: [2, 2, 4],
      theta: 10000,
      qkvBias: true,
      guidanceEmbed: true,
    };
    const model = new Flux(params);
    const graph = buildFluxGraph(model, mapBinder(new Map(model.parameters().map((p, i) => [p.path, randT(p.shape, i)]))));
    const places = nodePlaces(graph);
    const blocks = new Set([...places.values()].map((p) => p.block));
    assert.deepEqual([...blocks].sort(), ["double_blocks.0", "double_blocks.1", "other", "single_blocks.0", "single_blocks.1"]);
    assert.ok([...places.values()].some((p) => p.module === "single_blocks.*.linear1"));
    // 1 ms per node, a 2x slower wall time: each kind's nodes scaled by 2, per block, then 19 + 38 blocks.
    const nodes = graph.nodes.map((n) => ({ node: n.name, op: n.opType, ms: 1 }));
    const count = (prefix: string): number => [...places.values()].filter((p) => p.block.startsWith(prefix)).length;
    const split = splitRun({ runMs: 2 * nodes.length, nodes }, places, { double: 2, single: 2 });
    assert.equal(split.per_double_block_ms, Math.round(count("double_blocks.")));
    assert.equal(split.per_single_block_ms, Math.round(count("single_blocks.")));
    assert.equal(split.outside_blocks_ms, 2 * count("other"));
    assert.equal(split.full_step_ms, Math.round(2 * count("other") + 19 * count("double_blocks.") + 38 * count("single_blocks.")));
    const byOp = sumBy(nodes, (n) => n.op);
    assert.equal(
      byOp.reduce((t, r) => t + r.count, 0),
      nodes.length,
    );
    assert.ok(byOp.every((r, i) => i === 0 || (byOp[i - 1] as { ms: number }).ms >= r.ms));
  });
});
