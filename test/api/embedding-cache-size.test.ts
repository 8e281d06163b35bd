/** The embedding cache's size limit through the library (embeddingCacheSize) and the CLI (--embedding-cache-size). */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession, makeDemoModel } from "icedit";
import { exampleImage } from "../../src/demo/example-image.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { sessionOptions } from "../../src/cli/model-options.js";
import { UsageError } from "../../src/cli/io.js";

describe("embedding cache size", () => {
  let dir: string;
  let model: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-embsize-"));
    model = join(dir, "demo");
    await makeDemoModel(model);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("keeps the session's cache folder within embeddingCacheSize", async () => {
    const cacheDir = join(dir, "tiny");
    const session = await IceditSession.open({ model, embeddingCacheDir: cacheDir, embeddingCacheSize: 1 });
    try {
      const a = await session.edit(exampleImage(), "make the roof blue", { steps: 1 });
      const b = await session.edit(exampleImage(), "make the roof blue", { steps: 1 });
      assert.equal(a.record.textCached, false);
      assert.equal(b.record.textCached, false, "an entry larger than the limit is not kept");
      const names = await readdir(cacheDir).catch(() => []);
      assert.deepEqual(
        names.filter((n) => n.endsWith(".safetensors")),
        [],
      );
    } finally {
      await session.close();
    }
  });

  it("writes no instruction, prompt or model path into the cache folder", async () => {
    const cacheDir = join(dir, "private");
    const instruction = "paint the mailbox in ultramarine stripes";
    const session = await IceditSession.open({ model, embeddingCacheDir: cacheDir });
    try {
      await session.edit(exampleImage(), instruction, { steps: 1 });
      const again = await session.edit(exampleImage(), instruction, { steps: 1 });
      assert.equal(again.record.textCached, true, "the entry was written and found");
    } finally {
      await session.close();
    }
    const names = await readdir(cacheDir);
    assert.equal(names.length, 1);
    for (const name of names) {
      const bytes = await readFile(join(cacheDir, name));
      for (const secret of [instruction, "ultramarine", "A diptych", model]) {
        assert.equal(bytes.includes(Buffer.from(secret, "utf8")), false, `${name} holds "${secret}"`);
      }
    }
  });

  it("refuses a size that is not a positive number of bytes, naming the option", async () => {
    await assert.rejects(IceditSession.open({ model, embeddingCacheDir: join(dir, "bad"), embeddingCacheSize: -5 }), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.match(error.message, /embeddingCacheSize/);
      return true;
    });
  });

  it("--embedding-cache-size takes a size in binary units", () => {
    const none = (): undefined => undefined;
    assert.equal(sessionOptions({}, none).embeddingCacheSize, undefined);
    assert.equal(sessionOptions({ "embedding-cache-size": "64M" }, none).embeddingCacheSize, 64 * 2 ** 20);
    assert.equal(sessionOptions({ "embedding-cache-size": "1GiB" }, none).embeddingCacheSize, 2 ** 30);
    for (const bad of ["0", "-1M", "lots", "auto"]) {
      assert.throws(
        () => sessionOptions({ "embedding-cache-size": bad }, none),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, /^--embedding-cache-size takes a size such as 256M/);
          return true;
        },
      );
    }
  });
});
