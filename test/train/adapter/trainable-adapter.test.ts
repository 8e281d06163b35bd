/**
 * Trainable adapters: read from a file under the file's own keys (alpha scalars kept as constants,
 * BF16 tensors as float32, top-k as asked), or freshly initialised as ICEdit's training code does.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Flux } from "../../../src/models/flux/model.js";
import { GOLDEN_T1, validateFluxParams } from "../../../src/models/flux/params.js";
import { bf16ToF32, f32ToBf16 } from "../../../src/numeric/float16.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { freshTrainableAdapter, trainableAdapterFromFile, TrainableAdapterError } from "../../../src/train/adapter/index.js";
import { iceditLoraModules, isMoeModule, loraTargetModules } from "../../../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../../../src/weights/lora/targets.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { goldenFile, goldenSkip } from "../../golden-paths.js";
import { randT } from "../../onnx/helpers.js";

const targets = LoraTargets.fromParams(new Flux(GOLDEN_T1).parameters());
const { mlpHidden } = validateFluxParams(GOLDEN_T1);
const modules = iceditLoraModules({ ...GOLDEN_T1, mlpHidden });

describe("trainableAdapterFromFile", () => {
  test("keys as in the file, alpha / r from the alpha key (kept as a constant), BF16 read as float32", async () => {
    const A = randT([4, 128], 1);
    const bBits = f32ToBf16(randT([128, 4], 2).data);
    const file: Record<string, Tensor> = {
      "transformer.transformer_blocks.0.attn.to_q.lora_A.weight": A,
      "transformer.transformer_blocks.0.attn.to_q.lora_B.weight": tensor("bf16", [128, 4], bBits),
      "transformer.transformer_blocks.0.attn.to_q.alpha": tensor("f32", [], new Float32Array([8])),
    };
    const adapter = await trainableAdapterFromFile(memorySource(file), targets);
    assert.deepEqual(adapter.keys, [
      "transformer.transformer_blocks.0.attn.to_q.lora_A.weight",
      "transformer.transformer_blocks.0.attn.to_q.lora_B.weight",
    ]);
    const m = adapter.modules[0];
    assert.ok(m && m.kind === "plain");
    assert.equal(m.scaling, 2);
    assert.deepEqual([m.target.linear, m.target.rowStart, m.target.rowEnd], ["double_blocks.0.img_attn.qkv", 0, 128]);
    assert.deepEqual([...adapter.constants.keys()], ["transformer.transformer_blocks.0.attn.to_q.alpha"]);
    assert.deepEqual(adapter.initial.get(adapter.keys[1] as string)?.data, bf16ToF32(bBits));
    assert.equal(adapter.initial.get(adapter.keys[0] as string)?.dtype, "f32");
  });

  test("a lora_B bias is refused with a typed error", async () => {
    const file: Record<string, Tensor> = {
      "double_blocks.0.img_attn.proj.lora_A.weight": randT([2, 128], 1),
      "double_blocks.0.img_attn.proj.lora_B.weight": randT([128, 2], 2),
      "double_blocks.0.img_attn.proj.lora_B.bias": randT([128], 3),
    };
    await assert.rejects(trainableAdapterFromFile(memorySource(file), targets), TrainableAdapterError);
  });

  test("two modules updating the same rows of a layer are refused", async () => {
    const file: Record<string, Tensor> = {
      "transformer.transformer_blocks.0.attn.to_q.lora_A.weight": randT([2, 128], 1),
      "transformer.transformer_blocks.0.attn.to_q.lora_B.weight": randT([128, 2], 2),
      "double_blocks.0.img_attn.qkv.lora_A.weight": randT([2, 128], 3),
      "double_blocks.0.img_attn.qkv.lora_B.weight": randT([384, 2], 4),
    };
    await assert.rejects(trainableAdapterFromFile(memorySource(file), targets), /both update rows of double_blocks.0.img_attn.qkv/);
  });

  test("the golden lora-train adapter: 21 plain and 4 MoE modules, every tensor a key, top-k as given or from its metadata", {
    skip: goldenSkip,
  }, async () => {
    const source = await openSafetensors(goldenFile("weights/lora_train_moe_e4_top1_adapter.safetensors"));
    try {
      const adapter = await trainableAdapterFromFile(source, targets, { topK: 2 });
      assert.equal(adapter.modules.filter((m) => m.kind === "plain").length, 21);
      const moe = adapter.modules.filter((m) => m.kind === "moe");
      assert.equal(moe.length, 4);
      for (const m of moe) assert.ok(m.kind === "moe" && m.topK === 2 && m.experts.length === 4 && m.expertScaling === 1);
      assert.deepEqual(
        [...adapter.keys].sort(),
        source
          .names()
          .filter((n) => !n.endsWith(".alpha"))
          .sort(),
      );
      const fromMetadata = await trainableAdapterFromFile(source, targets);
      assert.ok(
        fromMetadata.modules.every((m) => m.kind === "plain" || m.topK === 1),
        "top_k 1 from golden_moe metadata",
      );
    } finally {
      await source.close();
    }
  });
});

describe("freshTrainableAdapter (ICEdit's init)", () => {
  const options = { rank: 4, alpha: 8, experts: 3, topK: 2, seed: 666 };

  test("every ICEdit module, MoE ones with experts and a router; B = 0, A ~ N(0, 1/r^2), router ~ U(+-1/sqrt(in))", () => {
    const adapter = freshTrainableAdapter(targets, modules, options);
    assert.equal(adapter.modules.length, modules.length);
    let count = 0;
    let sumSq = 0;
    for (const m of adapter.modules) {
      assert.equal(m.kind === "moe", isMoeModule(m.module));
      const pairs = m.kind === "plain" ? [{ a: m.a, b: m.b }] : m.experts;
      for (const p of pairs) {
        assert.ok(adapter.initial.get(p.b)?.data.every((v) => v === 0));
        for (const v of adapter.initial.get(p.a)?.data ?? []) {
          sumSq += v * v;
          count++;
        }
      }
      if (m.kind === "moe") {
        assert.equal(m.expertScaling, 1);
        const bound = 1 / Math.sqrt(m.target.inFeatures);
        const route = adapter.initial.get(m.route)?.data ?? new Float32Array();
        assert.ok(route.every((v) => Math.abs(v) <= bound));
        assert.ok(Math.max(...route.map(Math.abs)) > 0.9 * bound);
      } else assert.equal(m.scaling, 2);
    }
    const std = Math.sqrt(sumSq / count);
    assert.ok(Math.abs(std - 1 / 4) < 0.01, `std of A ${std}`);
    assert.equal(adapter.constants.size, adapter.modules.filter((m) => m.kind === "plain").length);
  });

  test("--targets icedit+text: ICEdit's modules first, then the double blocks' text stream, each on its layer's rows (plain LoRA)", () => {
    const withText = loraTargetModules({ ...GOLDEN_T1, mlpHidden }, "icedit+text");
    assert.deepEqual(loraTargetModules({ ...GOLDEN_T1, mlpHidden }, "icedit"), modules);
    assert.deepEqual(withText.slice(0, modules.length), modules);
    const added = withText.slice(modules.length);
    assert.equal(added.length, 7 * GOLDEN_T1.depth);
    const adapter = freshTrainableAdapter(targets, withText, options);
    const rows = (module: string): [string, number, number] => {
      const m = adapter.modules.find((x) => x.module === module);
      assert.ok(m && m.kind === "plain", module);
      return [m.target.linear, m.target.rowStart, m.target.rowEnd];
    };
    const d = GOLDEN_T1.hiddenSize;
    assert.deepEqual(rows("transformer_blocks.1.attn.add_k_proj"), ["double_blocks.1.txt_attn.qkv", d, 2 * d]);
    assert.deepEqual(rows("transformer_blocks.0.attn.to_add_out"), ["double_blocks.0.txt_attn.proj", 0, d]);
    assert.deepEqual(rows("transformer_blocks.0.ff_context.net.2"), ["double_blocks.0.txt_mlp.2", 0, d]);
    assert.deepEqual(rows("transformer_blocks.0.norm1_context.linear")[0], "double_blocks.0.txt_mod.lin");
    for (const m of added) assert.ok(!isMoeModule(m.module), m.module);
  });

  test("--targets all: every row of every linear layer of the model is adapted, each once", () => {
    const all = loraTargetModules({ ...GOLDEN_T1, mlpHidden }, "all");
    assert.deepEqual(all.slice(0, modules.length), modules);
    const adapter = freshTrainableAdapter(targets, all, options);
    const covered = new Map<string, number[]>();
    for (const m of adapter.modules) {
      const rows = covered.get(m.target.linear) ?? new Array<number>(m.target.outFeatures).fill(0);
      for (let r = m.target.rowStart; r < m.target.rowEnd; r++) rows[r] = (rows[r] ?? 0) + 1;
      covered.set(m.target.linear, rows);
    }
    assert.deepEqual([...covered.keys()].sort(), targets.linearNames().sort());
    for (const [linear, rows] of covered)
      assert.ok(
        rows.every((n) => n === 1),
        `${linear}: rows adapted ${rows.join(",")}`,
      );
  });

  test("the same seed gives the same tensors, another seed others", () => {
    const a = freshTrainableAdapter(targets, modules, options);
    const b = freshTrainableAdapter(targets, modules, options);
    const c = freshTrainableAdapter(targets, modules, { ...options, seed: 667 });
    const key = a.keys[0] as string;
    assert.deepEqual(a.initial.get(key)?.data, b.initial.get(key)?.data);
    assert.notDeepEqual(a.initial.get(key)?.data, c.initial.get(key)?.data);
  });

  test("bad sizes are refused", () => {
    assert.throws(() => freshTrainableAdapter(targets, modules, { ...options, topK: 4 }), TrainableAdapterError);
    assert.throws(() => freshTrainableAdapter(targets, modules, { ...options, rank: 0 }), TrainableAdapterError);
    assert.throws(
      () => freshTrainableAdapter(targets, [{ module: "nope", inFeatures: 1, outFeatures: 1 }], options),
      TrainableAdapterError,
    );
  });
});
