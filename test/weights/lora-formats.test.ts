import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Prng } from "../../src/numeric/prng.js";
import { f32ToBf16 } from "../../src/numeric/float16.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { readLoraAdapter, type LayerUpdates, type LoraDescription } from "../../src/weights/lora/index.js";
import { KOHYA_KEYS, PEFT_KEYS, randomMatrix, randomPair, same, scalar, T1_TARGETS } from "./lora-helpers.js";

/** T1: hidden 128, MLP 512, 384 input channels. */
const D = 128;
const MLP = 512;

async function read(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}, topK?: number): Promise<LoraDescription> {
  return readLoraAdapter(memorySource(tensors, "test.safetensors", metadata), T1_TARGETS, { topK });
}

function layer(d: LoraDescription, name: string): LayerUpdates {
  const l = d.layers.get(name);
  assert.ok(l, `no updates for ${name}; have ${[...d.layers.keys()].join(", ")}`);
  return l;
}

describe("LoRA formats", () => {
  test("diffusers/PEFT: diffusers targets map to BFL layers and row ranges; no alpha means scaling 1", async () => {
    const prng = new Prng(1);
    const aq = randomMatrix(prng, [4, D]);
    const bq = randomMatrix(prng, [D, 4]);
    const am = randomMatrix(prng, [4, D]);
    const bm = randomMatrix(prng, [MLP, 4]);
    const d = await read({
      "transformer.transformer_blocks.1.attn.to_q.lora_A.weight": aq,
      "transformer.transformer_blocks.1.attn.to_q.lora_B.weight": bq,
      "transformer.single_transformer_blocks.0.proj_mlp.lora_A.weight": am,
      "transformer.single_transformer_blocks.0.proj_mlp.lora_B.weight": bm,
    });
    assert.equal(d.format, "diffusers-peft");
    assert.equal(d.matchedModules, 2);
    assert.deepEqual(d.warnings, []);
    const q = layer(d, "double_blocks.1.img_attn.qkv").plain[0];
    assert.ok(q && same(q.A, aq) && same(q.B, bq));
    assert.deepEqual([q.rowStart, q.rowEnd, q.scaling], [0, D, 1]);
    const m = layer(d, "single_blocks.0.linear1").plain[0];
    assert.deepEqual([m?.rowStart, m?.rowEnd], [3 * D, 3 * D + MLP]);
  });

  test("diffusers/PEFT alpha keys give alpha / r per module", async () => {
    const prng = new Prng(2);
    const d = await read({
      ...randomPair(prng, "transformer.transformer_blocks.0.attn.to_v", PEFT_KEYS, 4, D, D),
      "transformer.transformer_blocks.0.attn.to_v.alpha": scalar(8),
      ...randomPair(prng, "transformer.x_embedder", PEFT_KEYS, 2, 384, D),
    });
    const v = layer(d, "double_blocks.0.img_attn.qkv").plain[0];
    assert.deepEqual([v?.rowStart, v?.rowEnd, v?.scaling], [2 * D, 3 * D, 2]);
    assert.equal(layer(d, "img_in").plain[0]?.scaling, 1);
  });

  test("diffusers lora_adapter_metadata: lora_alpha, alpha_pattern, rank_pattern, use_rslora", async () => {
    const prng = new Prng(3);
    const tensors = {
      ...randomPair(prng, "transformer.transformer_blocks.0.attn.to_q", PEFT_KEYS, 4, D, D),
      ...randomPair(prng, "transformer.transformer_blocks.0.ff.net.2", PEFT_KEYS, 2, MLP, D),
    };
    const config = {
      "transformer.r": 4,
      "transformer.lora_alpha": 16,
      "transformer.rank_pattern": { "ff.net.2": 2 },
      "transformer.alpha_pattern": { "transformer_blocks.0.ff.net.2": 3 },
    };
    const d = await read(tensors, { format: "pt", lora_adapter_metadata: JSON.stringify(config) });
    assert.equal(layer(d, "double_blocks.0.img_attn.qkv").plain[0]?.scaling, 4);
    assert.equal(layer(d, "double_blocks.0.img_mlp.2").plain[0]?.scaling, 1.5);
    const rs = await read(tensors, {
      lora_adapter_metadata: JSON.stringify({ r: 4, lora_alpha: 8, rank_pattern: { "ff.net.2": 2 }, use_rslora: true }),
    });
    assert.equal(layer(rs, "double_blocks.0.img_attn.qkv").plain[0]?.scaling, 4);
    assert.equal(layer(rs, "double_blocks.0.img_mlp.2").plain[0]?.scaling, 8 / Math.SQRT2);
  });

  test("diffusers norm_out.linear: B's halves are swapped into BFL's [shift; scale] order", async () => {
    const prng = new Prng(4);
    const b = randomMatrix(prng, [2 * D, 4]);
    const d = await read({
      "transformer.norm_out.linear.lora_A.weight": randomMatrix(prng, [4, D]),
      "transformer.norm_out.linear.lora_B.weight": b,
    });
    const u = layer(d, "final_layer.adaLN_modulation.1").plain[0];
    assert.ok(u);
    assert.deepEqual(Array.from(u.B.data.subarray(0, D * 4)), Array.from(b.data.subarray(D * 4)));
    assert.deepEqual(Array.from(u.B.data.subarray(D * 4)), Array.from(b.data.subarray(0, D * 4)));
  });

  test("kohya: lora_unet_ underscored BFL names, fused qkv / linear1, alpha / rank", async () => {
    const prng = new Prng(5);
    const down = randomMatrix(prng, [8, D]);
    const up = randomMatrix(prng, [3 * D, 8]);
    const d = await read({
      "lora_unet_double_blocks_1_img_attn_qkv.lora_down.weight": down,
      "lora_unet_double_blocks_1_img_attn_qkv.lora_up.weight": up,
      "lora_unet_double_blocks_1_img_attn_qkv.alpha": tensor("bf16", [], f32ToBf16(Float32Array.of(4))),
      ...randomPair(prng, "lora_unet_single_blocks_0_linear1", KOHYA_KEYS, 4, D, 3 * D + MLP),
      ...randomPair(prng, "lora_unet_final_layer_adaLN_modulation_1", KOHYA_KEYS, 4, D, 2 * D),
    });
    assert.equal(d.format, "kohya");
    const qkv = layer(d, "double_blocks.1.img_attn.qkv").plain[0];
    assert.ok(qkv && same(qkv.A, down) && same(qkv.B, up));
    assert.deepEqual([qkv.rowStart, qkv.rowEnd, qkv.scaling], [0, 3 * D, 0.5]);
    assert.deepEqual(
      [layer(d, "single_blocks.0.linear1").plain[0]?.rowEnd, layer(d, "single_blocks.0.linear1").plain[0]?.scaling],
      [3 * D + MLP, 1],
    );
    assert.equal(d.layers.has("final_layer.adaLN_modulation.1"), true);
  });

  test("ComfyUI: diffusion_model. + dotted BFL names with lora_down/up", async () => {
    const prng = new Prng(6);
    const d = await read({
      ...randomPair(prng, "diffusion_model.double_blocks.0.img_mlp.2", KOHYA_KEYS, 4, MLP, D),
      "diffusion_model.double_blocks.0.img_mlp.2.alpha": scalar(2),
    });
    assert.equal(d.format, "comfyui-kohya");
    assert.equal(layer(d, "double_blocks.0.img_mlp.2").plain[0]?.scaling, 0.5);
  });

  test("kohya's diffusers-named variant (lora_transformer_)", async () => {
    const prng = new Prng(7);
    const d = await read({
      ...randomPair(prng, "lora_transformer_single_transformer_blocks_1_attn_to_k", KOHYA_KEYS, 4, D, D),
    });
    const k = layer(d, "single_blocks.1.linear1").plain[0];
    assert.deepEqual([k?.rowStart, k?.rowEnd], [D, 2 * D]);
  });

  test("XLabs: processor qkv/proj LoRAs of both streams and of single blocks, scale 1", async () => {
    const prng = new Prng(8);
    const t: Record<string, Tensor> = {};
    const pair = (name: string, r: number, inF: number, outF: number): void => {
      t[`${name}.down.weight`] = randomMatrix(prng, [r, inF]);
      t[`${name}.up.weight`] = randomMatrix(prng, [outF, r]);
    };
    pair("double_blocks.0.processor.qkv_lora1", 4, D, 3 * D);
    pair("double_blocks.0.processor.proj_lora1", 4, D, D);
    pair("double_blocks.0.processor.qkv_lora2", 4, D, 3 * D);
    pair("double_blocks.0.processor.proj_lora2", 4, D, D);
    pair("single_blocks.1.processor.qkv_lora", 4, D, 3 * D);
    pair("single_blocks.1.processor.proj_lora", 4, D + MLP, D);
    const d = await read(t);
    assert.equal(d.format, "xlabs");
    assert.equal(d.matchedModules, 6);
    for (const name of [
      "double_blocks.0.img_attn.qkv",
      "double_blocks.0.img_attn.proj",
      "double_blocks.0.txt_attn.qkv",
      "double_blocks.0.txt_attn.proj",
      "single_blocks.1.linear2",
    ]) {
      const u = layer(d, name).plain[0];
      assert.deepEqual([u?.rowStart, u?.rowEnd, u?.scaling], [0, layer(d, name).outFeatures, 1], name);
    }
    assert.deepEqual(
      [layer(d, "single_blocks.1.linear1").plain[0]?.rowStart, layer(d, "single_blocks.1.linear1").plain[0]?.rowEnd],
      [0, 3 * D],
    );
  });

  test("BFL-named PEFT keys, bare or with diffusion_model. / base_model.model. prefixes, with a lora_B bias", async () => {
    const prng = new Prng(9);
    const bias = randomMatrix(prng, [6 * D]);
    const d = await read({
      ...randomPair(prng, "double_blocks.0.img_mod.lin", PEFT_KEYS, 4, D, 6 * D),
      "double_blocks.0.img_mod.lin.lora_B.bias": bias,
      ...randomPair(prng, "diffusion_model.single_blocks.0.linear2", PEFT_KEYS, 4, D + MLP, D),
      ...randomPair(prng, "base_model.model.txt_in", PEFT_KEYS, 4, 48, D),
    });
    assert.equal(d.format, "bfl-peft");
    assert.equal(d.matchedModules, 3);
    const mod = layer(d, "double_blocks.0.img_mod.lin").plain[0];
    assert.ok(mod?.bias && same(mod.bias, bias));
    assert.ok(d.layers.has("single_blocks.0.linear2") && d.layers.has("txt_in"));
  });

  test("ICEdit MoE keys: experts counted from the keys, expert scaling 1, top-k default 1 and settable", async () => {
    const prng = new Prng(10);
    const t: Record<string, Tensor> = {
      ...randomPair(prng, "transformer.transformer_blocks.0.attn.to_q", PEFT_KEYS, 4, D, D),
      "transformer.single_transformer_blocks.1.proj_out.lora_route.weight": randomMatrix(prng, [6, D + MLP]),
    };
    for (let e = 0; e < 6; e++) {
      t[`transformer.single_transformer_blocks.1.proj_out.lora_A.expert_${e}.weight`] = randomMatrix(prng, [4, D + MLP]);
      t[`transformer.single_transformer_blocks.1.proj_out.lora_B.expert_${e}.weight`] = randomMatrix(prng, [D, 4]);
    }
    const d = await read(t);
    assert.equal(d.format, "diffusers-peft+icedit-moe");
    assert.equal(d.hasMoe, true);
    const moe = layer(d, "single_blocks.1.linear2").moe[0];
    assert.ok(moe);
    assert.deepEqual([moe.experts.length, moe.topK, moe.expertScaling, moe.module], [6, 1, 1, "single_transformer_blocks.1.proj_out"]);
    assert.ok(same(moe.experts[3]?.B as Tensor, t["transformer.single_transformer_blocks.1.proj_out.lora_B.expert_3.weight"] as Tensor));
    assert.equal(layer(await read(t, {}, 2), "single_blocks.1.linear2").moe[0]?.topK, 2);
    await assert.rejects(read(t, {}, 7), /top-k 7 is larger than the 6 experts/);
  });

  test("bf16 and f16 adapter tensors are read as exact float32", async () => {
    const prng = new Prng(11);
    const a = randomMatrix(prng, [4, D]);
    const bits = f32ToBf16(a.data);
    const d = await read({
      "transformer.transformer_blocks.0.attn.to_out.0.lora_A.weight": tensor("bf16", a.dims, bits),
      "transformer.transformer_blocks.0.attn.to_out.0.lora_B.weight": tensor("f16", [D, 4], new Uint16Array(D * 4).fill(0x3c00)),
    });
    const u = layer(d, "double_blocks.0.img_attn.proj").plain[0];
    assert.ok(u);
    assert.equal(u.A.dtype, "f32");
    u.A.data.forEach((v, i) => assert.equal(new Uint32Array(Float32Array.of(v).buffer)[0], ((bits[i] as number) << 16) >>> 0));
    assert.ok(u.B.data.every((v) => v === 1));
  });

  test("a FLUX.1 [dev] LoRA on img_in (64 input channels) is zero-padded to Fill's 384, with a note", async () => {
    const prng = new Prng(12);
    const a = randomMatrix(prng, [4, 64]);
    const d = await read({ "transformer.x_embedder.lora_A.weight": a, "transformer.x_embedder.lora_B.weight": randomMatrix(prng, [D, 4]) });
    const u = layer(d, "img_in").plain[0];
    assert.deepEqual(u?.A.dims, [4, 384]);
    for (let r = 0; r < 4; r++) {
      assert.deepEqual(Array.from(u?.A.data.subarray(r * 384, r * 384 + 64) ?? []), Array.from(a.data.subarray(r * 64, (r + 1) * 64)));
      assert.ok(u?.A.data.subarray(r * 384 + 64, (r + 1) * 384).every((v) => v === 0));
    }
    assert.match(d.warnings.join("\n"), /x_embedder: the LoRA takes 64 input channels, the model 384: zero-padded/);
  });
});
