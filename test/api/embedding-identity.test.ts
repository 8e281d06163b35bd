/**
 * Cached text embeddings belong to the T5 weights that made them: an int8 session must not reuse
 * what an f32 session stored for the same prompt (they differ), so its edit equals one made with
 * an empty cache.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useDemoModel, withSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";

const INSTRUCTION = "make the sky green";

async function editWith(model: string, precision: "f32" | "int8", embeddingCacheDir: string): Promise<Uint8Array> {
  return withSession({ model, precision, embeddingCacheDir, convertedCacheDir: null }, async (session) => {
    const result = await session.edit(exampleImage(64, 48), INSTRUCTION, { steps: 1, width: 64 });
    return result.image.data;
  });
}

describe("embedding cache identity", () => {
  const demo = useDemoModel("icedit-embedding-identity-");

  it("an int8 edit after an f32 edit of the same prompt equals an int8 edit with a fresh cache", async () => {
    const { dir, model } = demo;
    const shared = join(dir, "shared-cache");
    await editWith(model, "f32", shared);
    const afterF32 = await editWith(model, "int8", shared);
    const fresh = await editWith(model, "int8", join(dir, "fresh-cache"));
    assert.deepEqual(Buffer.from(afterF32), Buffer.from(fresh));
  });
});
