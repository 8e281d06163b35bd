import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, open, readdir, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../../../src/runtime/engine.js";
import { FluxTransformer } from "../../../src/components/flux/transformer.js";
import { GOLDEN_T1 } from "../../../src/models/flux/params.js";
import { imageIds, textIds, type FluxCall } from "../../../src/models/flux/inputs.js";
import { openWeights } from "../../../src/weights/open-weights.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { ConvertedCache, ConvertedCacheError, DATA_FILE, MANIFEST_FILE, type CacheEvent } from "../../../src/weights/converted/index.js";
import { Prng } from "../../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { goldenFile, goldenSkip } from "../../golden-paths.js";
import { precisionOf } from "../../../src/components/precision.js";

function call(): FluxCall {
  const prng = new Prng(7);
  const r = (dims: number[]): Tensor<"f32"> => {
    const t = tensor("f32", dims);
    prng.fillNormal(t.data, 1);
    return t;
  };
  return {
    img: r([1, 16, GOLDEN_T1.inChannels]),
    imgIds: imageIds(1, 4, 4),
    txt: r([1, 8, GOLDEN_T1.contextInDim]),
    txtIds: textIds(1, 8),
    timesteps: tensor("f32", [1], Float32Array.of(0.6)),
    y: r([1, GOLDEN_T1.vecInDim]),
    guidance: tensor("f32", [1], Float32Array.of(50)),
  };
}

describe("converted-weights cache", { skip: goldenSkip }, () => {
  let engine: Engine;
  let dir: string;
  let weights: string;
  let reference: Float32Array;
  const input = call();

  async function run(cache: ConvertedCache | undefined, bits: 4 | 8 = 8, file = weights): Promise<Float32Array> {
    const source = await openWeights(file);
    try {
      const model = await FluxTransformer.open(engine, {
        weights: source,
        params: GOLDEN_T1,
        precision: precisionOf(bits === 8 ? "int8" : "int4"),
        cache,
      });
      try {
        return (await model.forward(input)).out.data;
      } finally {
        await model.release();
      }
    } finally {
      await source.close();
    }
  }

  function recording(
    root: string,
    options: { rebuild?: boolean; verify?: "always" } = {},
  ): { cache: ConvertedCache; events: CacheEvent[] } {
    const events: CacheEvent[] = [];
    return { cache: new ConvertedCache(root, { ...options, onEvent: (e) => events.push(e) }), events };
  }

  async function entryDirs(root: string): Promise<string[]> {
    return (await readdir(root)).filter((n) => !n.startsWith(".")).map((n) => join(root, n));
  }

  before(async () => {
    engine = new Engine();
    dir = await mkdtemp(join(tmpdir(), "icedit-converted-"));
    weights = join(dir, "transformer.safetensors");
    await copyFile(goldenFile("weights/t1_bfl_f32.safetensors"), weights);
    reference = await run(undefined);
  });

  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("converts on first use, then reuses the entry without converting; the output equals the in-memory conversion", async () => {
    const root = join(dir, "reuse");
    const { cache, events } = recording(root);
    assert.deepEqual(await run(cache), reference);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["build", "built"],
    );
    const [entry] = await entryDirs(root);
    assert.ok(entry);
    events.length = 0;
    assert.deepEqual(await run(cache), reference);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["hit"],
    );
    assert.equal(events[0]?.kind === "hit" && events[0].hashed, false);
    // Only the entry's own files remain (the session's .onnx is removed after loading).
    assert.deepEqual((await readdir(entry)).sort(), [MANIFEST_FILE, DATA_FILE].sort());
    assert.equal((await entryDirs(root)).length, 1);
  });

  it("keeps int8 and int4 conversions of one file apart", async () => {
    const root = join(dir, "bits");
    const { cache } = recording(root);
    await run(cache, 8);
    const int4 = await run(cache, 4);
    assert.equal((await entryDirs(root)).length, 2);
    assert.notDeepEqual(int4, reference);
  });

  it("detects a truncated data file and rebuilds it, or refuses it when rebuilding is off", async () => {
    const root = join(dir, "truncated");
    await run(recording(root).cache);
    const [entry] = await entryDirs(root);
    const data = join(entry as string, DATA_FILE);
    await truncate(data, 1000);
    const refusing = recording(root, { rebuild: false });
    await assert.rejects(
      run(refusing.cache),
      (e: unknown) =>
        e instanceof ConvertedCacheError && /truncated \(1000 of \d+ bytes\)/.test(e.message) && /icedit convert/.test(e.message),
    );
    const { cache, events } = recording(root);
    assert.deepEqual(await run(cache), reference);
    const build = events.find((e) => e.kind === "build");
    assert.ok(build && build.kind === "build" && /truncated/.test(build.reason), JSON.stringify(events));
  });

  it("catches changed content of the same size by its SHA-256", async () => {
    const root = join(dir, "altered");
    await run(recording(root).cache);
    const [entry] = await entryDirs(root);
    const data = join(entry as string, DATA_FILE);
    const handle = await open(data, "r+");
    await handle.write(Uint8Array.of(0x5a, 0xa5, 0x5a, 0xa5), 0, 4, 4096);
    await handle.close();
    const { cache, events } = recording(root);
    assert.deepEqual(await run(cache), reference);
    const build = events.find((e) => e.kind === "build");
    assert.ok(build && build.kind === "build" && /SHA-256/.test(build.reason), JSON.stringify(events));
    // verify "always" re-hashes an untouched entry and accepts it.
    const always = recording(root, { verify: "always" });
    await run(always.cache);
    assert.ok(always.events[0]?.kind === "hit" && always.events[0].hashed);
  });

  it("rebuilds an entry whose manifest is damaged", async () => {
    const root = join(dir, "manifest");
    await run(recording(root).cache);
    const [entry] = await entryDirs(root);
    await writeFile(join(entry as string, MANIFEST_FILE), "{ not json");
    const { cache, events } = recording(root);
    assert.deepEqual(await run(cache), reference);
    const build = events.find((e) => e.kind === "build");
    assert.ok(build && build.kind === "build" && /manifest is damaged/.test(build.reason));
  });

  it("builds a new entry when the source file changes and removes the outdated one", async () => {
    const root = join(dir, "source");
    const file = join(dir, "changing.safetensors");
    await copyFile(weights, file);
    await run(recording(root).cache, 8, file);
    const [old] = await entryDirs(root);
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const { cache, events } = recording(root);
    await run(cache, 8, file);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["build", "built", "removed"],
    );
    const now = await entryDirs(root);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], old);
  });

  it("uses Q8_0 blocks of a GGUF file as they are", async () => {
    const root = join(dir, "gguf");
    const gguf = goldenFile("weights/t1_gguf_q8_0.gguf");
    const inMemory = await run(undefined, 8, gguf);
    assert.deepEqual(await run(recording(root).cache, 8, gguf), inMemory);
  });

  it("does not cache an in-memory source", async () => {
    const root = join(dir, "memory");
    const file = await openWeights(weights);
    const tensors = new Map<string, Tensor>();
    for (const name of file.names()) tensors.set(name, await file.read(name));
    await file.close();
    const model = await FluxTransformer.open(engine, {
      weights: memorySource(tensors),
      params: GOLDEN_T1,
      precision: precisionOf("int8"),
      cache: new ConvertedCache(root),
    });
    assert.deepEqual((await model.forward(input)).out.data, reference);
    await model.release();
    await assert.rejects(readdir(root));
  });
});
