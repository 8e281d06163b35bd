/**
 * The golden lora-train cases (README §10) through the training graph and the host optimizers:
 * both public cases pass in full, and a deliberate mistake the README lists (AdamW eps 1e-6
 * instead of 1e-8) makes the AdamW case fail on the deltas.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loraTrainRunner } from "../../../src/golden/components/lora-train.js";
import { loadManifest, type GoldenManifest } from "../../../src/golden/manifest.js";
import { Engine } from "../../../src/runtime/engine.js";
import { assertGoldenCasePasses } from "../../components/golden-case.js";
import { GOLDEN_DIR, goldenSkip } from "../../golden-paths.js";

describe("golden lora-train", { skip: goldenSkip }, () => {
  let engine: Engine;
  let manifest: GoldenManifest;
  before(async () => {
    engine = new Engine();
    manifest = await loadManifest(GOLDEN_DIR);
  });
  after(() => engine.close());

  for (const name of ["lora_train_moe_e4_top1_adamw", "lora_train_moe_e4_top1_prodigy"]) {
    test(`${name} passes: pred.s1, loss, grad_norm, every grad.* and delta.* (and d)`, async () => {
      const result = await assertGoldenCasePasses(loraTrainRunner, name, { engine, manifest });
      const names = new Set(result.comparisons.map((c) => c.name));
      for (const required of ["pred.s1", "loss", "grad_norm"]) assert.ok(names.has(required), required);
      assert.ok([...names].filter((n) => n.startsWith("grad.")).length >= 78);
      assert.ok([...names].filter((n) => n.startsWith("delta.")).length >= 78);
      if (name.endsWith("prodigy")) assert.ok(names.has("d"));
    });
  }

  test("AdamW with eps 1e-6 instead of 1e-8 fails the deltas", async () => {
    const c = manifest.cases.find((x) => x.name === "lora_train_moe_e4_top1_adamw");
    assert.ok(c);
    const optimizerParams = { ...(c.params["optimizer_params"] as Record<string, unknown>), eps: 1e-6 };
    const wrong = { ...c, params: { ...c.params, optimizer_params: optimizerParams } };
    const result = await loraTrainRunner.run(wrong, { engine, manifest });
    assert.equal(result.status, "FAIL");
    const failed = result.comparisons.filter((x) => !x.ok).map((x) => x.name);
    assert.ok(failed.length > 0 && failed.every((n) => n.startsWith("delta.")), failed.join(", "));
  });
});
