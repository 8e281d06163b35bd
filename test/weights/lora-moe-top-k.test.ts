/** The top-k of a MoE-LoRA file: the reader's option, else the file's golden_moe metadata, else 1. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Prng } from "../../src/numeric/prng.js";
import type { Tensor } from "../../src/tensor.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { readLoraAdapter } from "../../src/weights/lora/index.js";
import { randomMatrix, T1_TARGETS } from "./lora-helpers.js";

const MODULE = "transformer.transformer_blocks.0.ff.net.2";

function moeTensors(): Record<string, Tensor> {
  const prng = new Prng(9);
  const t: Record<string, Tensor> = { [`${MODULE}.lora_route.weight`]: randomMatrix(prng, [4, 512]) };
  for (let e = 0; e < 4; e++) {
    t[`${MODULE}.lora_A.expert_${e}.weight`] = randomMatrix(prng, [4, 512]);
    t[`${MODULE}.lora_B.expert_${e}.weight`] = randomMatrix(prng, [128, 4]);
  }
  return t;
}

async function topKRead(metadata: Record<string, string>, topK?: number): Promise<number> {
  const d = await readLoraAdapter(memorySource(moeTensors(), "moe.safetensors", metadata), T1_TARGETS, { topK });
  const layer = [...d.layers.values()][0];
  assert.ok(layer);
  return layer.moe[0]?.topK ?? -1;
}

describe("MoE-LoRA top-k", () => {
  test("the file's golden_moe metadata gives it when the caller does not; the caller's value wins; else 1", async () => {
    const written = { golden_moe: JSON.stringify({ num_experts: 4, top_k: 2 }) };
    assert.equal(await topKRead(written), 2);
    assert.equal(await topKRead(written, 3), 3);
    assert.equal(await topKRead({}), 1);
    assert.equal(await topKRead({ golden_moe: "not json" }), 1);
  });
});
