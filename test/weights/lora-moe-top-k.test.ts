/** top_k of a MoE-LoRA file from its metadata (golden_moe JSON), or undefined when it does not say. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { metadataTopK } from "../../src/weights/lora/moe-top-k.js";

test("metadataTopK reads golden_moe's top_k and ignores what it cannot read", () => {
  assert.equal(metadataTopK({ golden_moe: '{"num_experts": 4, "top_k": 2}' }), 2);
  assert.equal(metadataTopK({}), undefined);
  assert.equal(metadataTopK({ golden_moe: "not json" }), undefined);
  assert.equal(metadataTopK({ golden_moe: '{"top_k": 0}' }), undefined);
  assert.equal(metadataTopK({ golden_moe: '{"top_k": "2"}' }), undefined);
});
