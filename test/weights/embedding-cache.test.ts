/**
 * The on-disk embedding cache: bounded in bytes with least-recently-used eviction, entries named
 * and checked by a SHA-256 of the key (the prompt never reaches the disk), damaged and old-format
 * entries ignored or removed, and a cache that cannot be written never fails the caller.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskEmbeddingCache, type TextEmbedding } from "../../src/weights/embedding-cache.js";
import { writeSafetensors } from "../../src/weights/safetensors/writer.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { tensor } from "../../src/tensor.js";

/** A small embedding whose values depend on `seed`: txt [1, 4, 8], y [1, 6]. */
function embedding(seed: number): TextEmbedding {
  return {
    txt: tensor(
      "f32",
      [1, 4, 8],
      Float32Array.from({ length: 32 }, (_, i) => seed + i / 64),
    ),
    y: tensor(
      "f32",
      [1, 6],
      Float32Array.from({ length: 6 }, (_, i) => -seed - i / 8),
    ),
  };
}

/** A key as the text conditioner builds it: the encoders' identity, the token limits and the prompt. */
function key(prompt: string): string {
  return JSON.stringify(["/models/demo@main", 512, 77, prompt]);
}

async function entryNames(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => []);
  return names.filter((name) => name.endsWith(".safetensors")).sort();
}

async function totalBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const name of await readdir(dir)) sum += (await stat(join(dir, name))).size;
  return sum;
}

/** Bytes one entry of `embedding(...)` takes on disk. */
async function entryBytes(root: string): Promise<number> {
  const dir = join(root, "probe");
  await new DiskEmbeddingCache(dir).set(key("probe"), embedding(0));
  return totalBytes(dir);
}

describe("DiskEmbeddingCache", () => {
  let root: string;
  let oneEntry: number;
  let count = 0;
  const fresh = (): string => join(root, `cache-${count++}`);
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "icedit-embcache-"));
    oneEntry = await entryBytes(root);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it("gives back what it stored, and misses other keys", async () => {
    const cache = new DiskEmbeddingCache(fresh());
    await cache.set(key("make the sky red"), embedding(3));
    const hit = await cache.get(key("make the sky red"));
    assert.ok(hit);
    assert.deepEqual(hit.txt.dims, [1, 4, 8]);
    assert.deepEqual([...hit.txt.data], [...embedding(3).txt.data]);
    assert.deepEqual([...hit.y.data], [...embedding(3).y.data]);
    assert.equal(await cache.get(key("make the sky blue")), undefined);
  });

  it("never writes the prompt (or the key) to disk, only its SHA-256", async () => {
    const dir = fresh();
    const prompt = "replace the cat with a zebra-striped teapot";
    const cache = new DiskEmbeddingCache(dir);
    await cache.set(key(prompt), embedding(1));
    const names = await readdir(dir);
    assert.equal(names.length, 1);
    assert.match(names[0] as string, /^[0-9a-f]{64}\.safetensors$/);
    for (const name of names) {
      const bytes = await readFile(join(dir, name));
      assert.equal(bytes.includes(Buffer.from(prompt, "utf8")), false, `${name} holds the prompt`);
      assert.equal(bytes.includes(Buffer.from("zebra", "utf8")), false, `${name} holds part of the prompt`);
      assert.equal(bytes.includes(Buffer.from("/models/demo", "utf8")), false, `${name} holds the model identity`);
    }
    assert.ok(await new DiskEmbeddingCache(dir).get(key(prompt)), "another instance finds it by the hash");
  });

  it("keeps its entries within the size limit", async () => {
    const dir = fresh();
    const cache = new DiskEmbeddingCache(dir, { maxBytes: 3 * oneEntry });
    for (let i = 0; i < 7; i++) {
      await cache.set(key(`prompt ${i}`), embedding(i));
      assert.ok((await totalBytes(dir)) <= 3 * oneEntry, `after ${i + 1} entries: ${await totalBytes(dir)} > ${3 * oneEntry} bytes`);
    }
    assert.equal((await entryNames(dir)).length, 3);
    for (const i of [4, 5, 6]) assert.ok(await cache.get(key(`prompt ${i}`)), `prompt ${i} is among the newest`);
  });

  it("evicts the least recently used entry: a hit counts as a use", async () => {
    const dir = fresh();
    const cache = new DiskEmbeddingCache(dir, { maxBytes: 2 * oneEntry });
    await cache.set(key("a"), embedding(1));
    await cache.set(key("b"), embedding(2));
    assert.ok(await cache.get(key("a")), "a is used after b was written");
    await cache.set(key("c"), embedding(3));
    assert.equal(await cache.get(key("b")), undefined, "b, the least recently used, is gone");
    assert.ok(await cache.get(key("a")));
    assert.ok(await cache.get(key("c")));
  });

  it("brings an existing folder within a lower limit at first use", async () => {
    const dir = fresh();
    const roomy = new DiskEmbeddingCache(dir);
    for (let i = 0; i < 4; i++) await roomy.set(key(`prompt ${i}`), embedding(i));
    const tight = new DiskEmbeddingCache(dir, { maxBytes: 2 * oneEntry });
    assert.ok(await tight.get(key("prompt 3")));
    assert.ok((await totalBytes(dir)) <= 2 * oneEntry);
    assert.equal(await tight.get(key("prompt 0")), undefined, "the oldest went first");
  });

  it("does not store an entry larger than the whole limit", async () => {
    const dir = fresh();
    const cache = new DiskEmbeddingCache(dir, { maxBytes: oneEntry - 1 });
    await cache.set(key("too big"), embedding(1));
    assert.equal(await cache.get(key("too big")), undefined);
    assert.deepEqual(await entryNames(dir), []);
  });

  it("treats a damaged entry as a miss and rewrites it", async () => {
    const dir = fresh();
    const cache = new DiskEmbeddingCache(dir);
    await cache.set(key("damaged"), embedding(5));
    const [name] = await entryNames(dir);
    const path = join(dir, name as string);
    const good = await readFile(path);
    for (const bytes of [good.subarray(0, good.length - 9), Buffer.from("not a safetensors file"), Buffer.alloc(0)]) {
      await writeFile(path, bytes);
      assert.equal(await cache.get(key("damaged")), undefined);
      await cache.set(key("damaged"), embedding(5));
      const again = await cache.get(key("damaged"));
      assert.ok(again, "rewritten");
      assert.deepEqual([...again.y.data], [...embedding(5).y.data]);
    }
  });

  it("misses an entry whose header names another key", async () => {
    const dir = fresh();
    const cache = new DiskEmbeddingCache(dir);
    await cache.set(key("first"), embedding(1));
    await cache.set(key("second"), embedding(2));
    const names = await readdir(dir);
    const first = await readFile(join(dir, names[0] as string));
    await writeFile(join(dir, names[1] as string), first);
    const hits = [await cache.get(key("first")), await cache.get(key("second"))].filter((e) => e !== undefined);
    assert.equal(hits.length, 1, "the copied entry does not answer for the other key");
  });

  it("removes old-format entries, which held the prompt in plain text", async () => {
    const dir = fresh();
    const old = key("an old secret instruction");
    const oldName = "0123456789abcdef0123456789abcdef.safetensors";
    const cache = new DiskEmbeddingCache(dir);
    await cache.set(key("new"), embedding(1));
    await writeSafetensors(join(dir, oldName), { txt: embedding(2).txt, y: embedding(2).y }, { key: old });
    const reopened = new DiskEmbeddingCache(dir);
    assert.equal(await reopened.get(old), undefined);
    assert.ok(await reopened.get(key("new")));
    assert.deepEqual((await readdir(dir)).includes(oldName), false);
  });

  it("keeps files it does not own", async () => {
    const dir = fresh();
    const cache = new DiskEmbeddingCache(dir, { maxBytes: oneEntry });
    await cache.set(key("x"), embedding(1));
    await writeFile(join(dir, "notes.txt"), "mine");
    await cache.set(key("y"), embedding(2));
    assert.equal(await readFile(join(dir, "notes.txt"), "utf8"), "mine");
  });

  it("never fails the caller when the folder cannot be used", async () => {
    const file = join(root, "a-file");
    await writeFile(file, "not a folder");
    const cache = new DiskEmbeddingCache(file);
    await cache.set(key("x"), embedding(1));
    assert.equal(await cache.get(key("x")), undefined);
  });

  it("rejects a size limit that is not a positive number of bytes", () => {
    for (const maxBytes of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => new DiskEmbeddingCache(fresh(), { maxBytes }),
        (e: unknown) => e instanceof InvalidArgumentError && /maxBytes|embeddingCacheSize/.test(e.message),
      );
    }
  });
});
