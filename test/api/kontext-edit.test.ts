import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { edit, EditMethodError, EditOptionError, judgeFromFunction, KONTEXT_DEFAULTS } from "icedit";
import { makeKontextDemoModel, useDemoModel, withSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { resolveEditOptions } from "../../src/api/edit-options.js";
import type { KontextRecord } from "../../src/pipelines/kontext/kontext.js";
import { goldenFile, goldenSkip } from "../golden-paths.js";

describe("Kontext through the library API", () => {
  const demo = useDemoModel("icedit-kontext-", makeKontextDemoModel);

  it("the Kontext demo opens as Kontext, with no adapter, and edits at the image's size with Kontext's defaults", async () => {
    await withSession({ model: demo.model, embeddingCacheDir: null, convertedCacheDir: null }, async (session) => {
      assert.equal(session.method, "kontext");
      assert.deepEqual(session.model.adapters, []);
      const result = await session.edit(exampleImage(64, 48), "make the sky green", { steps: 2 });
      assert.deepEqual(result.image.dims, [48, 64, 3]);
      const r = result.record;
      assert.equal(r.method, "kontext");
      assert.equal(r.prompt, "make the sky green", "the instruction is the prompt, as it is");
      assert.equal(r.guidance, KONTEXT_DEFAULTS.guidance);
      assert.equal(r.steps, 2);
      assert.deepEqual(r.output, { width: 64, height: 48 });
      assert.equal(r.fill.imageTokens, 12);
      const again = await session.edit(exampleImage(64, 48), "make the sky green", { steps: 2 });
      assert.deepEqual(again.image.data, result.image.data, "same seed, same edit");

      const sized = await session.edit(exampleImage(64, 48), "make the sky green", { steps: 1, width: 32, height: 64 });
      assert.deepEqual(sized.image.dims, [64, 32, 3]);
      assert.deepEqual(sized.record.resized, { width: 64, height: 48 });
      await assert.rejects(session.edit(exampleImage(64, 48), "x", { conventions: "diffusers" }), EditOptionError);
      await assert.rejects(session.edit(exampleImage(64, 48), "x", { trueCfgScale: 2 }), /applies to ICEdit edits .* not to Kontext/);
    });
  });

  it("edit() runs Kontext in one call; height and keepSize are refused by ICEdit", async () => {
    const result = await edit({
      model: demo.model,
      image: exampleImage(80, 48),
      instruction: "add a moon",
      steps: 1,
      embeddingCacheDir: null,
    });
    assert.equal(result.record.method, "kontext");
    assert.equal(result.record.steps, 1);
    assert.deepEqual(result.image.dims, [48, 80, 3]);
    assert.throws(() => resolveEditOptions({ height: 64 }), EditOptionError);
    assert.throws(() => resolveEditOptions({ keepSize: true }), EditOptionError);
  });

  it("several reference images: each gets its own tokens, placed by offset (default) or index; one image is unchanged; ICEdit refuses them", async () => {
    await withSession({ model: demo.model, embeddingCacheDir: null, convertedCacheDir: null }, async (session) => {
      const source = exampleImage(64, 48);
      const one = await session.edit(source, "add a moon", { steps: 1 });
      const none = await session.edit(source, "add a moon", { steps: 1, references: [] });
      assert.deepEqual(none.image.data, one.image.data, "no further reference: the one-image edit");
      assert.equal((one.record.fill as KontextRecord).condition.tokens, 12);
      assert.equal((one.record.fill as KontextRecord).references, undefined);
      const two = await session.edit(source, "add a moon", { steps: 1, references: [exampleImage(32, 48)] });
      const fill = two.record.fill as KontextRecord;
      assert.equal(fill.condition.tokens, 12 + 6, "4 x 3 tokens of the source, 2 x 3 of the reference");
      assert.deepEqual(fill.references, {
        sizes: [
          { width: 64, height: 48 },
          { width: 32, height: 48 },
        ],
        placement: "offset",
      });
      assert.deepEqual(two.image.dims, [48, 64, 3], "the output follows the first image");
      assert.notDeepEqual(two.image.data, one.image.data);
      const indexed = await session.edit(source, "add a moon", {
        steps: 1,
        references: [exampleImage(32, 48)],
        referencePlacement: "index",
      });
      assert.notDeepEqual(indexed.image.data, two.image.data, "the placement moves the reference's RoPE ids");
      await assert.rejects(session.edit(source, "x", { referencePlacement: "tiled" as "index" }), EditOptionError);
    });
    assert.throws(() => resolveEditOptions({ references: [exampleImage(32, 32)] }), /ICEdit edits one image, but 2 were given/);
  });

  it("noise selection with Kontext: the record says which candidate won, the winner equals a plain edit with its seed", async () => {
    await withSession({ model: demo.model, embeddingCacheDir: null, convertedCacheDir: null }, async (session) => {
      const source = exampleImage(64, 48);
      const stages = new Set<string>();
      let shown = 0;
      const judge = judgeFromFunction(() => (++shown === 1 ? 2 : 1)); // 43 beats 42, then holds against 44
      const selected = await session.edit(source, "add a moon", {
        steps: 2,
        selection: { judge, candidates: 3, earlySteps: 1 },
        onProgress: (p) => stages.add(p.stage),
      });
      const t = selected.record.tournament;
      assert.ok(t, "the record has the tournament");
      assert.deepEqual(t.candidates, [42, 43, 44]);
      assert.equal(t.winner, 43);
      assert.equal(t.nfe, 3 * 1 + 1);
      assert.equal(selected.record.method, "kontext");
      assert.equal(selected.record.seed, 43);
      assert.deepEqual(
        selected.previews.map((p) => [p.seed, ...p.image.dims]),
        [
          [42, 48, 64, 3],
          [43, 48, 64, 3],
          [44, 48, 64, 3],
        ],
        "previews at the output's size",
      );
      for (const stage of ["probe", "early", "preview", "compare", "winner", "continue", "decode"]) assert.ok(stages.has(stage), stage);
      const plain = await session.edit(source, "add a moon", { steps: 2, seed: 43 });
      assert.equal(plain.record.tournament, undefined);
      let differing = 0;
      for (let i = 0; i < plain.image.data.length; i++) if (plain.image.data[i] !== selected.image.data[i]) differing++;
      assert.ok(differing <= plain.image.data.length / 1000, `${differing} bytes differ from the plain edit with seed 43`);
    });
  });

  it("step caching and a shorter T5 sequence work with Kontext: skipped steps recorded, the first and last always run", async () => {
    await withSession({ model: demo.model, embeddingCacheDir: null, convertedCacheDir: null }, async (session) => {
      const source = exampleImage(64, 48);
      const plain = await session.edit(source, "add a moon", { steps: 6 });
      assert.equal(plain.record.fill.cache, undefined);
      assert.equal(plain.record.textTokens, 48, "the demo's T5 length");
      // a threshold no relative change reaches: every step but the first and last may be skipped
      const cached = await session.edit(source, "add a moon", { steps: 6, cache: "teacache:1000", maxTextTokens: 16 });
      assert.deepEqual(cached.record.fill.cache, { kind: "teacache", threshold: 1000, skippedSteps: [2, 3, 4, 5] });
      assert.equal(cached.record.textTokens, 16);
      assert.notDeepEqual(cached.image.data, plain.image.data);
      const off = await session.edit(source, "add a moon", { steps: 6, cache: "none" });
      assert.deepEqual(off.image.data, plain.image.data, "cache none is byte-identical to no cache");
    });
  });

  it("a 64-channel folder that does not say Kontext refuses, unless method kontext is asked for", async () => {
    const plain = join(demo.dir, "flux-dev");
    await cp(demo.model, plain, { recursive: true });
    const index = join(plain, "model_index.json");
    await writeFile(index, JSON.stringify({ ...JSON.parse(await readFile(index, "utf8")), _class_name: "FluxPipeline" }));
    await assert.rejects(
      withSession({ model: plain, embeddingCacheDir: null }, async () => undefined),
      (e: Error) => e instanceof EditMethodError && /--method kontext/.test(e.message),
    );
    await withSession({ model: plain, method: "kontext", embeddingCacheDir: null }, async (session) => {
      assert.equal(session.method, "kontext");
    });
    await assert.rejects(
      withSession({ model: demo.model, method: "icedit", embeddingCacheDir: null }, async () => undefined),
      EditMethodError,
    );
  });

  it("a BFL single file of 64 channels is Kontext when named so, or with method kontext", { skip: goldenSkip }, async () => {
    // The golden K1 transformer (BFL keys, 64 input channels) fits the demo's text encoders (48, 32).
    const folder = join(demo.dir, "bfl-files");
    await cp(demo.model, folder, { recursive: true });
    await rm(join(folder, "transformer"), { recursive: true });
    const index = join(folder, "model_index.json");
    await writeFile(index, JSON.stringify({ ...JSON.parse(await readFile(index, "utf8")), _class_name: "FluxPipeline" }));
    await copyFile(goldenFile("weights/k1_bfl_f32.safetensors"), join(folder, "flux1-kontext-dev.safetensors"));
    const open = { model: folder, embeddingCacheDir: null, convertedCacheDir: null };
    await withSession(open, async (session) => {
      assert.equal(session.method, "kontext");
      assert.match(session.model.transformer, /flux1-kontext-dev\.safetensors$/);
      const result = await session.edit(exampleImage(32, 32), "x", { steps: 1 });
      assert.deepEqual(result.image.dims, [32, 32, 3]);
    });
    const plain = join(demo.dir, "flux1-dev.safetensors");
    await copyFile(goldenFile("weights/k1_bfl_f32.safetensors"), plain);
    await assert.rejects(
      withSession({ ...open, transformer: plain }, async () => undefined),
      /--method kontext/,
    );
    await withSession({ ...open, transformer: plain, method: "kontext" }, async (session) => assert.equal(session.method, "kontext"));
  });
});
