import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Prng } from "../../src/numeric/prng.js";
import type { Tensor } from "../../src/tensor.js";
import { MissingFileError } from "../../src/weights/errors.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import { LoraFormatError, LoraNoMatchError, LoraShapeError, readLoraAdapter, type LoraDescription } from "../../src/weights/lora/index.js";
import { KOHYA_KEYS, PEFT_KEYS, randomMatrix, randomPair, T1_TARGETS } from "./lora-helpers.js";
import { tempDir } from "./helpers.js";

const D = 128;

function read(tensors: Record<string, Tensor>): Promise<LoraDescription> {
  return readLoraAdapter(memorySource(tensors, "adapter.safetensors"), T1_TARGETS);
}

describe("LoRA validation", () => {
  test("an SDXL LoRA matches no layer: the error lists the first 20 unmatched keys and the count", async () => {
    const prng = new Prng(1);
    const t: Record<string, Tensor> = {};
    for (let i = 0; i < 15; i++) {
      t[`lora_unet_down_blocks_1_attentions_0_transformer_blocks_${i}_attn1_to_q.lora_down.weight`] = randomMatrix(prng, [4, 640]);
      t[`lora_unet_down_blocks_1_attentions_0_transformer_blocks_${i}_attn1_to_q.lora_up.weight`] = randomMatrix(prng, [640, 4]);
    }
    await assert.rejects(read(t), (e: unknown) => {
      assert.ok(e instanceof LoraNoMatchError);
      assert.equal(e.file, "adapter.safetensors");
      assert.equal(e.unmatched.length, 30);
      assert.match(e.message, /30 keys unmatched/);
      assert.match(e.message, /lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q\.lora_down\.weight/);
      assert.match(e.message, /\.\.\. and 10 more/);
      assert.match(e.message, /Stable Diffusion/);
      return true;
    });
  });

  test("a text-encoder-only LoRA matches nothing and says text-encoder LoRAs are not supported", async () => {
    const prng = new Prng(2);
    await assert.rejects(
      read({
        ...randomPair(prng, "lora_te1_text_model_encoder_layers_0_self_attn_q_proj", KOHYA_KEYS, 4, 768, 768),
      }),
      (e: unknown) => e instanceof LoraNoMatchError && /text-encoder/.test(e.message),
    );
  });

  test("a partly matching LoRA warns with counts and the ignored keys; text-encoder keys are ignored with a warning", async () => {
    const prng = new Prng(3);
    const d = await read({
      ...randomPair(prng, "transformer.transformer_blocks.0.attn.to_q", PEFT_KEYS, 4, D, D),
      ...randomPair(prng, "transformer.transformer_blocks.0.attn.to_k", PEFT_KEYS, 4, D, D),
      // T1 has 2 double blocks: block 7 does not exist
      ...randomPair(prng, "transformer.transformer_blocks.7.attn.to_q", PEFT_KEYS, 4, D, D),
      ...randomPair(prng, "transformer.pos_embed", PEFT_KEYS, 4, D, D),
      ...randomPair(prng, "text_encoder.text_model.encoder.layers.0.self_attn.q_proj", PEFT_KEYS, 4, 32, 32),
    });
    assert.equal(d.matchedModules, 2);
    assert.equal(d.totalModules, 4);
    assert.equal(d.ignoredKeys.length, 6);
    const text = d.warnings.join("\n");
    assert.match(text, /matched 2 of 4 modules/);
    assert.match(text, /ignored 4 keys: transformer\.pos_embed\.lora_A\.weight, .*transformer_blocks\.7\.attn\.to_q/);
    assert.match(text, /ignored 2 text-encoder LoRA keys/);
  });

  test("a LoRA for another size names the layer and both shapes", async () => {
    const prng = new Prng(4);
    await assert.rejects(
      read({
        ...randomPair(prng, "transformer.transformer_blocks.1.attn.to_k", PEFT_KEYS, 4, 3072, 3072),
      }),
      (e: unknown) => {
        assert.ok(e instanceof LoraShapeError);
        assert.equal(e.layer, "double_blocks.1.img_attn.qkv rows [128:256] of [384, 128]");
        assert.deepEqual(e.actual, [4, 3072]);
        assert.deepEqual(e.expected, ["r", 128]);
        assert.match(e.message, /transformer_blocks\.1\.attn\.to_k/);
        assert.match(e.message, /\[4, 3072\]/);
        assert.match(e.message, /another architecture or size/);
        return true;
      },
    );
    await assert.rejects(
      read({
        ...randomPair(prng, "lora_unet_single_blocks_0_linear1", KOHYA_KEYS, 4, D, 3 * D),
      }),
      (e: unknown) => e instanceof LoraShapeError && e.layer.startsWith("single_blocks.0.linear1") && /expected \[896, 4\]/.test(e.message),
    );
  });

  test("half of a pair missing, or experts without a router, is a format error", async () => {
    const prng = new Prng(5);
    await assert.rejects(
      read({ "transformer.x_embedder.lora_A.weight": randomMatrix(prng, [4, 384]) }),
      (e: unknown) => e instanceof LoraFormatError && /x_embedder/.test(e.message),
    );
    await assert.rejects(
      read({
        "transformer.transformer_blocks.0.ff.net.2.lora_A.expert_0.weight": randomMatrix(prng, [4, 512]),
        "transformer.transformer_blocks.0.ff.net.2.lora_B.expert_0.weight": randomMatrix(prng, [D, 4]),
      }),
      (e: unknown) => e instanceof LoraFormatError && /lora_route/.test(e.message),
    );
    await assert.rejects(
      read({
        "transformer.transformer_blocks.0.attn.to_q.lora_A.weight": randomMatrix(prng, [4, D]),
        "transformer.transformer_blocks.0.attn.to_q.lora_B.weight": randomMatrix(prng, [D, 2]),
      }),
      LoraShapeError,
    );
  });

  test("a missing adapter file is the usual MissingFileError", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = join(dir, "nope.safetensors");
      await assert.rejects(openSafetensors(path), (e: unknown) => e instanceof MissingFileError && e.message.includes(path));
    } finally {
      await cleanup();
    }
  });
});
