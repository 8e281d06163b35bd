/** icedit edit --max-memory: the budget from the command line, and the memory record it leads to. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { demoEdit, iceditWithRecord, useCliDemoModel } from "./fixtures.js";
import { memoryOption } from "../../src/cli/memory-option.js";
import { UsageError } from "../../src/cli/io.js";

describe("--max-memory", () => {
  it("takes sizes in binary units or auto, and says what it takes otherwise", () => {
    assert.equal(memoryOption("max-memory", undefined), "auto");
    assert.equal(memoryOption("max-memory", "auto"), "auto");
    assert.equal(memoryOption("max-memory", "20G"), 20 * 1024 ** 3);
    assert.equal(memoryOption("max-memory", "20GiB"), 20 * 1024 ** 3);
    assert.equal(memoryOption("max-memory", "512M"), 512 * 1024 ** 2);
    for (const bad of ["20X", "-4G", "0", "lots", ""]) {
      assert.throws(
        () => memoryOption("max-memory", bad),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, /--max-memory takes a size such as 20G, 20GiB, 512M .* or "auto", got/);
          return true;
        },
      );
    }
  });

  describe("icedit edit", () => {
    const demo = useCliDemoModel("icedit-edit-memory-");

    it("edits one component at a time under a small budget and records the plan, the loads and each stage's peak", async () => {
      const output = join(demo.dir, "out.png");
      const args = demoEdit(demo.model, "x", "--steps", "1", "--width", "128", "--quant", "f32", "--max-memory", "1M", "-o", output);
      const { out, err, json } = await iceditWithRecord<{
        memory: {
          plan: string;
          budgetBytes: number;
          estimates: Record<string, number>;
          stages: { stage: string; peakRssBytes: number }[];
          loads: { kind: string; component: string }[];
        };
      }>(args, join(demo.dir, "record.json"));
      assert.deepEqual(out, [output]);
      assert.match(err.join("\n"), /loading transformer/);
      assert.equal(json.memory.plan, "sequential");
      assert.equal(json.memory.budgetBytes, 1024 * 1024);
      assert.deepEqual(Object.keys(json.memory.estimates).sort(), [
        "text_encoder",
        "text_encoder_2",
        "transformer",
        "vae_decoder",
        "vae_encoder",
      ]);
      assert.deepEqual(
        json.memory.stages.map((s) => s.stage),
        ["resize", "text", "prepare", "denoise", "decode"],
      );
      assert.ok(json.memory.stages.every((s) => s.peakRssBytes > 0));
      assert.equal(json.memory.loads.filter((e) => e.kind === "load").length, 5);
      assert.equal(json.memory.loads.filter((e) => e.kind === "evict").length, 4);
    });

    it("refuses a bad size before loading anything", async () => {
      const run = await icedit(demoEdit(demo.model, "x", "--max-memory", "12X"));
      assert.equal(run.code, 2);
      assert.match(run.err.join("\n"), /icedit edit: --max-memory takes a size such as 20G/);
      assert.doesNotMatch(run.err.join("\n"), /loading/);
    });

    it("is in the help of edit, serve and worker", async () => {
      for (const command of ["edit", "serve", "worker"]) {
        const help = await icedit([command, "--help"]);
        assert.match(help.out.join("\n"), /--max-memory SIZE/, command);
      }
    });
  });
});
