/** The memory plan with the demo model: resident when it fits, one component at a time under a small budget. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IceditSession } from "icedit";
import { useDemoModel, withSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { MODEL_COMPONENTS } from "../../src/components/memory-estimates.js";
import type { Judge } from "../../src/vlm/judge.js";
import type { PoolEvent } from "../../src/runtime/session-pool.js";

/** A budget under every pair of the demo's components (T5 at its 48 tokens and CLIP are about 0.3 MiB each). */
const BUDGET = 256 * 1024;
const INSTRUCTION = "add a moon";

function trace(events: readonly PoolEvent[]): string[] {
  return events.map((e) => `${e.kind} ${e.component}`);
}

/** A judge that always prefers the challenger. */
const challenger: Judge = {
  async probe() {},
  async compare() {
    return { choice: 2, raw: "2", ms: 0, retried: false };
  },
};

describe("memory plan (demo model)", () => {
  const demo = useDemoModel("icedit-memory-");

  it("a budget too small for the whole model loads one component at a time and gives the same image, bit for bit", async () => {
    const f32 = { model: demo.model, precision: "f32", embeddingCacheDir: null } as const;
    const loadedAtOpen: string[] = [];
    const residentEdit = await withSession({ ...f32, onLoad: (c) => loadedAtOpen.push(c) }, async (resident) => {
      assert.deepEqual(loadedAtOpen, [...MODEL_COMPONENTS], "resident: everything is loaded at open");
      return resident.edit(exampleImage(), INSTRUCTION, { steps: 2, width: 128 });
    });
    const r = residentEdit.record.memory;
    assert.equal(r.plan, "resident");
    assert.deepEqual(r.loads, [], "nothing loads during a resident edit");

    const loaded: string[] = [];
    const sequentialEdit = await withSession({ ...f32, maxMemory: BUDGET, onLoad: (c) => loaded.push(c) }, async (sequential) => {
      assert.deepEqual(loaded, [], "sequential: nothing is loaded at open");
      return sequential.edit(exampleImage(), INSTRUCTION, { steps: 2, width: 128 });
    });
    const s = sequentialEdit.record.memory;
    assert.equal(s.plan, "sequential");
    assert.equal(s.budgetBytes, BUDGET);
    assert.deepEqual(sequentialEdit.image.dims, residentEdit.image.dims);
    assert.ok(Buffer.from(sequentialEdit.image.data).equals(Buffer.from(residentEdit.image.data)), "the same pixels");
    assert.deepEqual(
      trace(s.loads),
      [
        "load text_encoder_2",
        "evict text_encoder_2",
        "load text_encoder",
        "evict text_encoder",
        "load vae_encoder",
        "evict vae_encoder",
        "load transformer",
        "evict transformer",
        "load vae_decoder",
      ],
      "each component is loaded when first needed and the previous one released",
    );
    assert.deepEqual(loaded, ["text_encoder_2", "text_encoder", "vae_encoder", "transformer", "vae_decoder"]);
    assert.ok(s.loads.filter((e) => e.kind === "load").every((e) => e.ms >= 0 && e.bytes > 0));
    assert.ok(
      s.loads.some((e) => e.overBudget === true),
      "components bigger than the budget load over it",
    );
    for (const c of MODEL_COMPONENTS) assert.ok(s.estimates[c] > 0, c);
    assert.deepEqual(s.estimates, r.estimates, "estimates depend on the model and the edit's size, not the plan");
    for (const record of [r, s]) {
      assert.deepEqual(
        record.stages.map((st) => st.stage),
        ["resize", "text", "prepare", "denoise", "decode"],
      );
      assert.ok(record.stages.every((st) => st.peakRssBytes > 0 && st.ms >= 0));
    }
    assert.ok(sequentialEdit.record.peakRssBytes >= Math.max(...s.stages.map((st) => st.peakRssBytes)));
  });

  it("noise selection under a small budget: the transformer comes back after the previews, the VAE decoder after the winner's steps", async () => {
    await withSession({ model: demo.model, precision: "f32", embeddingCacheDir: null, maxMemory: BUDGET }, async (session) => {
      const result = await session.edit(exampleImage(), INSTRUCTION, {
        steps: 3,
        width: 128,
        selection: { judge: challenger, candidates: 2, earlySteps: 1 },
      });
      const m = result.record.memory;
      assert.equal(m.plan, "sequential");
      const loads = m.loads.filter((e) => e.kind === "load").map((e) => e.component);
      assert.deepEqual(loads, [
        "text_encoder_2",
        "text_encoder",
        "vae_encoder",
        "transformer",
        "vae_decoder",
        "transformer",
        "vae_decoder",
      ]);
      const stages = m.stages.map((st) => st.stage);
      for (const stage of ["probe", "text", "prepare", "early", "preview", "compare", "continue", "decode"])
        assert.ok(stages.includes(stage), stage);
      assert.ok(m.stages.every((st) => st.peakRssBytes > 0));
    });
  });

  it("a bad maxMemory fails at open, saying what it takes", async () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "lots" as unknown as number]) {
      await assert.rejects(IceditSession.open({ model: demo.model, maxMemory: bad }), (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.match(error.message, /maxMemory takes a positive number of bytes or "auto"/);
        return true;
      });
    }
  });
});
