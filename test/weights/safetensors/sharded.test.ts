import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { InvalidShardIndexError, MissingFileError, MissingTensorError, type WeightsFileError } from "../../../src/weights/errors.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { writeSafetensors } from "../../../src/weights/safetensors/writer.js";
import { f32 } from "../../../src/tensor.js";
import { tempDirForTests } from "../helpers.js";

const dir = tempDirForTests();
before(async () => {
  await writeSafetensors(join(dir, "model-00001-of-00002.safetensors"), { a: f32([2], [1, 2]), b: f32([], [3]) }, { format: "pt" });
  await writeSafetensors(join(dir, "model-00002-of-00002.safetensors"), {
    c: { dtype: "bf16", dims: [1], data: Uint16Array.from([0x4000]) },
  });
});

async function index(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const MAP = { a: "model-00001-of-00002.safetensors", b: "model-00001-of-00002.safetensors", c: "model-00002-of-00002.safetensors" };

describe("sharded safetensors", () => {
  test("two shards read through the index", async () => {
    const path = await index("model.safetensors.index.json", { metadata: { total_size: 14 }, weight_map: MAP });
    const src = await openSafetensors(path);
    try {
      assert.equal(src.description, path);
      assert.deepEqual(src.names(), ["a", "b", "c"]);
      assert.deepEqual([...(await src.read("a")).data], [1, 2]);
      assert.deepEqual((await src.read("b")).dims, []);
      assert.deepEqual([...(await src.readF32("c")).data], [2]);
      assert.equal(src.entry("c").file, join(dir, "model-00002-of-00002.safetensors"));
      assert.deepEqual(src.metadata(), { format: "pt", total_size: "14" });
      assert.throws(
        () => src.entry("z"),
        (e: unknown) => e instanceof MissingTensorError && e.message.includes(path),
      );
    } finally {
      await src.close();
    }
  });

  const rejects = async (path: string, kind: new (...a: never[]) => WeightsFileError, ...parts: string[]): Promise<void> => {
    await assert.rejects(openSafetensors(path), (e: unknown) => {
      assert.ok(e instanceof kind, String(e));
      for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
      return true;
    });
  };

  test("index not JSON", async () => {
    const path = await index("bad.safetensors.index.json", "{ weight_map: ");
    await rejects(path, InvalidShardIndexError, path, "not valid JSON");
  });

  test("index without a weight_map, or with a non-string shard", async () => {
    const none = await index("none.safetensors.index.json", { metadata: {} });
    await rejects(none, InvalidShardIndexError, none, "weight_map");
    const num = await index("num.safetensors.index.json", { weight_map: { a: 3 } });
    await rejects(num, InvalidShardIndexError, num, "a");
  });

  test("a shard is missing", async () => {
    const path = await index("gone.safetensors.index.json", { weight_map: { ...MAP, d: "model-00003-of-00003.safetensors" } });
    await rejects(path, MissingFileError, "model-00003-of-00003.safetensors", path, "missing");
  });

  test("a tensor listed in the map is absent from its shard", async () => {
    const path = await index("wrong.safetensors.index.json", { weight_map: { ...MAP, c: "model-00001-of-00002.safetensors" } });
    await rejects(path, MissingTensorError, "tensor c", "model-00001-of-00002.safetensors", path);
  });

  test("the index itself is missing", async () => {
    const path = join(dir, "absent.safetensors.index.json");
    await rejects(path, MissingFileError, path);
  });
});
