import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FluxCall } from "../../src/models/flux/inputs.js";
import { Prng } from "../../src/numeric/prng.js";
import { Engine } from "../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { LoraMergeError } from "../../src/weights/lora/index.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { maxAbsDiff, otherSample, runT1, stackCalls, t1Call, t1Weights } from "./lora-helpers.js";
import { goldenSkip } from "../golden-paths.js";

/** ICEdit's MoE targets in T1 (diffusers name, inputs, outputs) and the token count of their input. */
const MOE = [
  { module: "transformer_blocks.0.ff.net.2", inF: 512, outF: 128 },
  { module: "transformer_blocks.1.ff.net.2", inF: 512, outF: 128 },
  { module: "single_transformer_blocks.0.proj_out", inF: 640, outF: 128 },
  { module: "single_transformer_blocks.1.proj_out", inF: 640, outF: 128 },
] as const;
const EXPERTS = 6;

function matrix(prng: Prng, dims: readonly number[], std: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

/** A 6-expert MoE file; with `shared`, every expert has the same A and B (and the plain LoRA file with them). */
function moeFiles(seed: number, shared: boolean): { moe: Map<string, Tensor>; plain: Map<string, Tensor> } {
  const prng = new Prng(seed);
  const moe = new Map<string, Tensor>();
  const plain = new Map<string, Tensor>();
  for (const t of MOE) {
    const key = `transformer.${t.module}`;
    const A = matrix(prng, [4, t.inF], 0.1);
    const B = matrix(prng, [t.outF, 4], 0.1);
    plain.set(`${key}.lora_A.weight`, A);
    plain.set(`${key}.lora_B.weight`, B);
    for (let e = 0; e < EXPERTS; e++) {
      moe.set(`${key}.lora_A.expert_${e}.weight`, shared ? A : matrix(prng, [4, t.inF], 0.1));
      moe.set(`${key}.lora_B.expert_${e}.weight`, shared ? B : matrix(prng, [t.outF, 4], 0.1));
    }
    moe.set(`${key}.lora_route.weight`, matrix(prng, [EXPERTS, t.inF], 0.3));
  }
  return { moe, plain };
}

describe("MoE-LoRA on the T1 transformer (6 experts, top-2, batch 2)", { skip: goldenSkip }, () => {
  let engine: Engine;
  let base: Map<string, Tensor<"f32">>;
  let call: FluxCall;
  let batch: FluxCall;
  const taps = MOE.map((t) => `route.${t.module}`);

  before(async () => {
    engine = new Engine();
    base = await t1Weights();
    call = await t1Call("moe_lora_e4_top1");
    batch = stackCalls(call, otherSample(call));
  });
  after(async () => engine.close());

  test("identical experts give exactly the plain LoRA (the top-2 weights sum to 1); route taps are top-2 softmax weights", async () => {
    const { moe, plain } = moeFiles(31, true);
    const withMoe = await runT1(engine, base, batch, [{ source: memorySource(moe, "moe.safetensors"), topK: 2, scale: 0.8 }], { taps });
    const withPlain = await runT1(engine, base, batch, [{ source: memorySource(plain, "plain.safetensors"), scale: 0.8 }]);
    const baseOut = (await runT1(engine, base, batch)).out;
    assert.ok(maxAbsDiff(withPlain.out, baseOut) > 1e-2);
    assert.ok(maxAbsDiff(withMoe.out, withPlain.out) < 1e-5, `${maxAbsDiff(withMoe.out, withPlain.out)}`);
    const info = withMoe.model.adapters[0];
    assert.deepEqual([info?.kind, info?.experts, info?.topK, info?.format], ["moe-lora", EXPERTS, 2, "diffusers-peft+icedit-moe"]);
    const tokens = { transformer_blocks: 24, single_transformer_blocks: 29 };
    for (const name of taps) {
      const w = withMoe.taps[name] as Tensor<"f32">;
      const n = name.includes("single") ? tokens.single_transformer_blocks : tokens.transformer_blocks;
      assert.deepEqual(w.dims, [2, n, EXPERTS], name);
      for (let row = 0; row < 2 * n; row++) {
        const values = Array.from(w.data.subarray(row * EXPERTS, (row + 1) * EXPERTS));
        assert.equal(values.filter((v) => v > 0).length, 2, `${name} row ${row}: ${values}`);
        assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - 1) < 1e-6);
      }
    }
  });

  test("each sample of a batch is routed on its own tokens: batch of 2 = two single calls", async () => {
    const { moe } = moeFiles(32, false);
    const source = memorySource(moe, "moe.safetensors");
    const both = (await runT1(engine, base, batch, [{ source, topK: 2 }], { taps })).out;
    const first = (await runT1(engine, base, call, [{ source, topK: 2 }])).out;
    const second = (await runT1(engine, base, otherSample(call), [{ source, topK: 2 }])).out;
    const half = first.data.length;
    assert.ok(maxAbsDiff(tensor("f32", first.dims, both.data.slice(0, half)), first) < 1e-5);
    assert.ok(maxAbsDiff(tensor("f32", second.dims, both.data.slice(half)), second) < 1e-5);
    const top1 = (await runT1(engine, base, call, [{ source, topK: 1 }])).out;
    assert.ok(maxAbsDiff(top1, first) > 1e-4, "top-1 and top-2 differ");
  });

  test("a MoE-LoRA cannot be merged", async () => {
    const { moe } = moeFiles(33, false);
    await assert.rejects(runT1(engine, base, call, [{ source: memorySource(moe, "moe.safetensors"), merge: true }]), (e: unknown) => {
      assert.ok(e instanceof LoraMergeError);
      assert.match(e.message, /MoE-LoRA.*cannot be merged/);
      return true;
    });
  });
});
