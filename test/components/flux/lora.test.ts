import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FluxCall } from "../../../src/models/flux/inputs.js";
import { bf16ToF32, f32ToBf16 } from "../../../src/numeric/float16.js";
import { Prng } from "../../../src/numeric/prng.js";
import { Engine } from "../../../src/runtime/engine.js";
import { FluxTransformer } from "../../../src/components/flux/transformer.js";
import { GOLDEN_T1 } from "../../../src/models/flux/params.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { LoraMergeError } from "../../../src/weights/lora/index.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { writeSafetensors } from "../../../src/weights/safetensors/writer.js";
import {
  maxAbsDiff,
  mergeReference,
  otherSample,
  runT1,
  stackCalls,
  t1Call,
  t1Weights,
  type ReferenceUpdate,
} from "../../models/lora-helpers.js";
import { goldenSkip } from "../../golden-paths.js";

/**
 * Targets by hand, from the diffusers -> BFL table of docs/golden.md §3.6 (T1: hidden 128, MLP 512):
 * module, BFL linear, first BFL row, rows, inputs; norm_out.linear has its halves swapped.
 */
const TARGETS = [
  { module: "x_embedder", linear: "img_in", row0: 0, rows: 128, inF: 384 },
  { module: "transformer_blocks.0.attn.to_k", linear: "double_blocks.0.img_attn.qkv", row0: 128, rows: 128, inF: 128 },
  { module: "transformer_blocks.1.ff.net.2", linear: "double_blocks.1.img_mlp.2", row0: 0, rows: 128, inF: 512 },
  { module: "single_transformer_blocks.0.proj_mlp", linear: "single_blocks.0.linear1", row0: 384, rows: 512, inF: 128 },
  { module: "single_transformer_blocks.1.proj_out", linear: "single_blocks.1.linear2", row0: 0, rows: 128, inF: 640 },
  { module: "norm_out.linear", linear: "final_layer.adaLN_modulation.1", row0: 0, rows: 256, inF: 128, swap: true },
] as const;

function bf16Matrix(prng: Prng, dims: readonly number[], std: number): { stored: Tensor<"bf16">; values: Tensor<"f32"> } {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  const bits = f32ToBf16(t.data);
  return { stored: tensor("bf16", dims, bits), values: tensor("f32", dims, bf16ToF32(bits)) };
}

function f32Matrix(prng: Prng, dims: readonly number[], std: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

describe("LoRA on the T1 transformer", { skip: goldenSkip }, () => {
  let engine: Engine;
  let base: Map<string, Tensor<"f32">>;
  let call: FluxCall;
  let baseOut: Tensor<"f32">;
  let dir: string;
  /** The bf16 diffusers LoRA with alpha keys (rank 4, alpha 8) and its float64-merge reference updates at scale 1. */
  let loraFile: string;
  let loraUpdates: ReferenceUpdate[];

  before(async () => {
    engine = new Engine();
    base = await t1Weights();
    call = await t1Call();
    dir = await mkdtemp(join(tmpdir(), "icedit-lora-"));
    baseOut = (await runT1(engine, base, call)).out;
    const prng = new Prng(20250101);
    const file = new Map<string, Tensor>();
    loraUpdates = [];
    for (const t of TARGETS) {
      const A = bf16Matrix(prng, [4, t.inF], 0.1);
      const B = bf16Matrix(prng, [t.rows, 4], 0.1);
      file.set(`transformer.${t.module}.lora_A.weight`, A.stored);
      file.set(`transformer.${t.module}.lora_B.weight`, B.stored);
      file.set(`transformer.${t.module}.alpha`, tensor("f32", [], Float32Array.of(8)));
      const half = t.rows / 2;
      const rowOf = "swap" in t ? (i: number) => (i < half ? i + half : i - half) : (i: number) => t.row0 + i;
      loraUpdates.push({ linear: t.linear, A: A.values, B: B.values, factor: 2, rowOf });
    }
    loraFile = join(dir, "alpha-bf16.safetensors");
    await writeSafetensors(loraFile, file, { format: "pt" });
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const scaled = (updates: readonly ReferenceUpdate[], s: number): ReferenceUpdate[] =>
    updates.map((u) => ({ ...u, factor: u.factor * s }));

  test("alpha keys, run-time scale 0.5, bf16 file: branches and merge both match a float64 merge", async () => {
    const reference = (await runT1(engine, mergeReference(base, scaled(loraUpdates, 0.5)), call)).out;
    assert.ok(maxAbsDiff(reference, baseOut) > 1e-2, "the LoRA changes the output");
    const source = await openSafetensors(loraFile);
    try {
      const unmerged = await runT1(engine, base, call, [{ source, scale: 0.5 }]);
      assert.ok(maxAbsDiff(unmerged.out, reference) < 2e-5, `unmerged: ${maxAbsDiff(unmerged.out, reference)}`);
      const info = unmerged.model.adapters[0];
      assert.ok(info);
      assert.deepEqual(
        [info.format, info.kind, info.matchedModules, info.ignoredKeys, info.merged, info.scale, info.name],
        ["diffusers-peft", "lora", 6, 0, false, 0.5, "alpha-bf16"],
      );
      const merged = await runT1(engine, base, call, [{ source, scale: 0.5, merge: true }]);
      assert.ok(maxAbsDiff(merged.out, reference) < 2e-5, `merged: ${maxAbsDiff(merged.out, reference)}`);
      assert.equal(merged.model.adapters[0]?.merged, true);
    } finally {
      await source.close();
    }
  });

  test("scales change per call and by setter without a rebuild; a merged adapter's scale is fixed", async () => {
    const source = await openSafetensors(loraFile);
    const model = await FluxTransformer.open(engine, {
      weights: memorySource(base),
      params: GOLDEN_T1,
      adapters: [{ source, scale: 0.5 }],
    });
    try {
      assert.ok(maxAbsDiff((await model.forward(call, { loraScales: [0] })).out, baseOut) < 1e-6, "scale 0 is the base model");
      const reference = (await runT1(engine, mergeReference(base, scaled(loraUpdates, -1.5)), call)).out;
      model.setLoraScales([-1.5]);
      assert.deepEqual(model.loraScales, [-1.5]);
      assert.ok(maxAbsDiff((await model.forward(call)).out, reference) < 3e-5);
      await assert.rejects(model.forward(call, { loraScales: [1, 2] }), /2 LoRA scales given, but 1 adapters/);
    } finally {
      await model.release();
    }
    const merged = await FluxTransformer.open(engine, {
      weights: memorySource(base),
      params: GOLDEN_T1,
      adapters: [{ source, merge: true }],
    });
    try {
      await assert.rejects(merged.forward(call, { loraScales: [0.5] }), LoraMergeError);
      assert.ok(maxAbsDiff((await merged.forward(call, { loraScales: [1] })).out, baseOut) > 1e-2);
    } finally {
      await merged.release();
      await source.close();
    }
  });

  test("the same fused-qkv LoRA as kohya, diffusers (split q/k/v), XLabs and BFL names gives the same output", async () => {
    const prng = new Prng(7);
    const A = f32Matrix(prng, [4, 128], 0.1);
    const B = f32Matrix(prng, [384, 4], 0.1);
    const rows = (start: number): Tensor<"f32"> => tensor("f32", [128, 4], B.data.slice(start * 4, (start + 128) * 4));
    const files: Record<string, Record<string, Tensor>> = {
      kohya: {
        "lora_unet_double_blocks_0_txt_attn_qkv.lora_down.weight": A,
        "lora_unet_double_blocks_0_txt_attn_qkv.lora_up.weight": B,
        "lora_unet_double_blocks_0_txt_attn_qkv.alpha": tensor("f32", [], Float32Array.of(4)),
      },
      diffusers: Object.fromEntries(
        ["add_q_proj", "add_k_proj", "add_v_proj"].flatMap((p, i) => [
          [`transformer.transformer_blocks.0.attn.${p}.lora_A.weight`, A],
          [`transformer.transformer_blocks.0.attn.${p}.lora_B.weight`, rows(128 * i)],
        ]),
      ),
      xlabs: { "double_blocks.0.processor.qkv_lora2.down.weight": A, "double_blocks.0.processor.qkv_lora2.up.weight": B },
      bfl: {
        "diffusion_model.double_blocks.0.txt_attn.qkv.lora_A.weight": A,
        "diffusion_model.double_blocks.0.txt_attn.qkv.lora_B.weight": B,
      },
    };
    const reference = (
      await runT1(engine, mergeReference(base, [{ linear: "double_blocks.0.txt_attn.qkv", A, B, factor: 1, rowOf: (i) => i }]), call)
    ).out;
    assert.ok(maxAbsDiff(reference, baseOut) > 1e-3);
    for (const [format, tensors] of Object.entries(files)) {
      const { out } = await runT1(engine, base, call, [{ source: memorySource(tensors, `${format}.safetensors`) }]);
      assert.ok(maxAbsDiff(out, reference) < 2e-5, `${format}: ${maxAbsDiff(out, reference)}`);
    }
  });

  test("two adapters at once, each with its own scale, in a batch of 2", async () => {
    const prng = new Prng(8);
    const A2 = f32Matrix(prng, [8, 128], 0.1);
    const B2 = f32Matrix(prng, [896, 8], 0.1);
    const second = memorySource(
      {
        "lora_unet_single_blocks_1_linear1.lora_down.weight": A2,
        "lora_unet_single_blocks_1_linear1.lora_up.weight": B2,
        "lora_unet_single_blocks_1_linear1.alpha": tensor("f32", [], Float32Array.of(4)),
      },
      "second.safetensors",
    );
    const first = await openSafetensors(loraFile);
    try {
      const batch = stackCalls(call, otherSample(call));
      const updates = [
        ...scaled(loraUpdates, 0.75),
        { linear: "single_blocks.1.linear1", A: A2, B: B2, factor: -2 * 0.5, rowOf: (i: number) => i },
      ];
      const reference = (await runT1(engine, mergeReference(base, updates), batch)).out;
      const { out, model } = await runT1(engine, base, batch, [
        { source: first, scale: 0.75 },
        { source: second, scale: -2 },
      ]);
      assert.deepEqual(
        model.adapters.map((a) => [a.name, a.format]),
        [
          ["alpha-bf16", "diffusers-peft"],
          ["second", "kohya"],
        ],
      );
      assert.ok(maxAbsDiff(out, reference) < 3e-5, `${maxAbsDiff(out, reference)}`);
    } finally {
      await first.close();
    }
  });
});
