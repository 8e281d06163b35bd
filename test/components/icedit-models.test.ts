/** The text encoders' identity, which keys cached embeddings: it changes with what changes T5's output, and only that. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRandomDemoModel } from "../api/fixtures.js";
import { Engine } from "../../src/runtime/engine.js";
import { SessionPool } from "../../src/runtime/session-pool.js";
import { openFluxFillFolder } from "../../src/weights/hub/model-folder.js";
import { openIceditModels } from "../../src/components/icedit-models.js";
import { precisionOf, type Precision } from "../../src/components/precision.js";

describe("openIceditModels: the text identity", () => {
  let dir: string;
  let engine: Engine;

  /** The identity of the demo model opened (pooled, no session loaded) at `precision`. */
  async function identityAt(precision: Precision): Promise<string> {
    const models = await openIceditModels(engine, await openFluxFillFolder(join(dir, "demo")), { precision, pool: new SessionPool() });
    try {
      return models.text.identity;
    } finally {
      await models.release();
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-text-identity-"));
    await makeRandomDemoModel(join(dir, "demo"));
    engine = new Engine();
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("f32 ignores the block size (it quantizes nothing); int8 and int4 and their block sizes each have their own", async () => {
    const f32 = await identityAt(precisionOf("f32", 32));
    assert.equal(await identityAt(precisionOf("f32", 64)), f32);
    const quantized = [precisionOf("int8", 32), precisionOf("int8", 64), precisionOf("int4", 32)];
    const ids = await Promise.all(quantized.map(identityAt));
    assert.equal(new Set([f32, ...ids]).size, 4);
  });
});
