import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession, edit, makeDemoModel } from "icedit";
import { exampleImage } from "../../src/demo/example-image.js";
import { EmptyInstructionError } from "../../src/pipelines/icedit/prompt.js";

describe('library API (import from "icedit")', () => {
  let dir: string;
  let model: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-api-"));
    model = join(dir, "demo");
    await makeDemoModel(model);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("edits in one call", async () => {
    const result = await edit({ model, image: exampleImage(256, 160), instruction: "add a moon", steps: 1, embeddingCacheDir: null });
    assert.deepEqual(result.image.dims, [320, 512, 3], "resized to width 512, aspect kept");
    assert.equal(result.record.model.from, "path");
    assert.equal(result.record.fill.conventions, "diffusers");
  });

  it("reuses text embeddings: in memory within a session, on disk across sessions", async () => {
    const cacheDir = join(dir, "embeddings");
    const first = await IceditSession.open({ model, embeddingCacheDir: cacheDir });
    try {
      const a = await first.edit(exampleImage(), "make the roof blue", { steps: 1 });
      const b = await first.edit(exampleImage(), "make the roof blue", { steps: 1 });
      assert.equal(a.record.textCached, false);
      assert.equal(b.record.textCached, true);
      assert.deepEqual(a.image.data, b.image.data);
    } finally {
      await first.close();
    }
    const second = await IceditSession.open({ model, embeddingCacheDir: cacheDir });
    try {
      const c = await second.edit(exampleImage(), "make the roof blue", { steps: 1 });
      assert.equal(c.record.textCached, true);
      await assert.rejects(second.edit(exampleImage(), ""), EmptyInstructionError);
    } finally {
      await second.close();
    }
  });
});
