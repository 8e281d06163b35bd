import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { edit } from "icedit";
import { useDemoModel, withSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { EmptyInstructionError } from "../../src/pipelines/icedit/prompt.js";

describe('library API (import from "icedit")', () => {
  const demo = useDemoModel("icedit-api-");

  it("edits in one call", async () => {
    const result = await edit({
      model: demo.model,
      image: exampleImage(256, 160),
      instruction: "add a moon",
      steps: 1,
      embeddingCacheDir: null,
    });
    assert.deepEqual(result.image.dims, [320, 512, 3], "resized to width 512, aspect kept");
    assert.equal(result.record.model.from, "path");
    assert.equal(result.record.fill.conventions, "diffusers");
  });

  it("reuses text embeddings: in memory within a session, on disk across sessions", async () => {
    const options = { model: demo.model, embeddingCacheDir: join(demo.dir, "embeddings") };
    await withSession(options, async (first) => {
      const a = await first.edit(exampleImage(), "make the roof blue", { steps: 1, width: 128 });
      const b = await first.edit(exampleImage(), "make the roof blue", { steps: 1, width: 128 });
      assert.equal(a.record.textCached, false);
      assert.equal(b.record.textCached, true);
      assert.deepEqual(a.image.data, b.image.data);
    });
    await withSession(options, async (second) => {
      const c = await second.edit(exampleImage(), "make the roof blue", { steps: 1, width: 128 });
      assert.equal(c.record.textCached, true);
      await assert.rejects(second.edit(exampleImage(), ""), EmptyInstructionError);
    });
  });
});
