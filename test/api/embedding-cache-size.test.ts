/** The embedding cache's size limit through the library (embeddingCacheSize) and the CLI (--embedding-cache-size). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { IceditSession } from "icedit";
import { useDemoModel, withSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { sessionOptions } from "../../src/cli/model-options.js";
import { UsageError } from "../../src/cli/io.js";

describe("embedding cache size", () => {
  const demo = useDemoModel("icedit-embsize-");

  it("keeps the session's cache folder within embeddingCacheSize", async () => {
    const cacheDir = join(demo.dir, "tiny");
    await withSession({ model: demo.model, embeddingCacheDir: cacheDir, embeddingCacheSize: 1 }, async (session) => {
      const a = await session.edit(exampleImage(), "make the roof blue", { steps: 1, width: 128 });
      const b = await session.edit(exampleImage(), "make the roof blue", { steps: 1, width: 128 });
      assert.equal(a.record.textCached, false);
      assert.equal(b.record.textCached, false, "an entry larger than the limit is not kept");
      const names = await readdir(cacheDir).catch(() => []);
      assert.deepEqual(
        names.filter((n) => n.endsWith(".safetensors")),
        [],
      );
    });
  });

  it("writes no instruction, prompt or model path into the cache folder", async () => {
    const cacheDir = join(demo.dir, "private");
    const instruction = "paint the mailbox in ultramarine stripes";
    await withSession({ model: demo.model, embeddingCacheDir: cacheDir }, async (session) => {
      await session.edit(exampleImage(), instruction, { steps: 1, width: 128 });
      const again = await session.edit(exampleImage(), instruction, { steps: 1, width: 128 });
      assert.equal(again.record.textCached, true, "the entry was written and found");
    });
    const names = await readdir(cacheDir);
    assert.equal(names.length, 1);
    for (const name of names) {
      const bytes = await readFile(join(cacheDir, name));
      for (const secret of [instruction, "ultramarine", "A diptych", demo.model]) {
        assert.equal(bytes.includes(Buffer.from(secret, "utf8")), false, `${name} holds "${secret}"`);
      }
    }
  });

  it("refuses a size that is not a positive number of bytes, naming the option", async () => {
    await assert.rejects(
      IceditSession.open({ model: demo.model, embeddingCacheDir: join(demo.dir, "bad"), embeddingCacheSize: -5 }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.match(error.message, /embeddingCacheSize/);
        return true;
      },
    );
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
