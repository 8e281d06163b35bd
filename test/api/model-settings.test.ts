/** A model folder's icedit.json: its adapter and edit defaults apply where an edit is silent, and a bad file says what to fix. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_SETTINGS_FILE, readModelSettings, withModelDefaults } from "../../src/api/model-settings.js";
import { DEMO_MOE_LORA_FILE } from "../../src/demo/make-demo-model.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { parseEditParams } from "../../src/server/params.js";
import { ModelFolderError } from "../../src/weights/hub/errors.js";
import { useDemoModel, useTempFolder, withSession } from "./fixtures.js";

async function settingsIn(dir: string, content: string) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_SETTINGS_FILE), content);
  return readModelSettings(dir);
}

describe("icedit.json: reading and checking", () => {
  const tmp = useTempFolder("icedit-model-settings-");

  it("a folder without the file has no settings", async () => {
    assert.deepEqual(await readModelSettings(tmp.dir), { edit: {} });
  });

  it("reads the adapter (inside the folder) and the edit width and guidance", async () => {
    const dir = join(tmp.dir, "good");
    await mkdir(join(dir, "a"), { recursive: true });
    await writeFile(join(dir, "a", "x.safetensors"), "");
    const settings = await settingsIn(dir, JSON.stringify({ adapter: "a/x.safetensors", edit: { width: 64, guidance: 1 } }));
    assert.deepEqual(settings, { adapter: join(dir, "a", "x.safetensors"), edit: { width: 64, guidance: 1 } });
  });

  for (const [content, why] of [
    ["{not json", /is not JSON/],
    ["[]", /must hold a JSON object/],
    ['{"edits": {}}', /"edits" is not a setting/],
    ['{"edit": {"width": 60}}', /"edit.width" must be a multiple of 16, got 60/],
    ['{"edit": {"guidance": -1}}', /"edit.guidance" must be a number of at least 0/],
    ['{"edit": {"trueCfgScale": 0.5}}', /"edit.trueCfgScale" must be a number of at least 1/],
    ['{"edit": {"steps": 4}}', /"edit.steps" is not a setting/],
    ['{"adapter": "../outside.safetensors"}', /"adapter" must name a file inside the folder/],
    ['{"adapter": "missing.safetensors"}', /which does not exist/],
  ] as const) {
    it(`rejects ${content}`, async () => {
      const dir = join(tmp.dir, "bad");
      await rm(dir, { recursive: true, force: true });
      await assert.rejects(
        settingsIn(dir, content),
        (e: unknown) => e instanceof ModelFolderError && why.test(e.message) && /icedit\.json/.test(e.message),
      );
    });
  }

  it("the model's defaults fill only what the options leave out", () => {
    const defaults = { width: 64, guidance: 1, trueCfgScale: 2.5 };
    assert.deepEqual(withModelDefaults({}, defaults), { width: 64, guidance: 1, trueCfgScale: 2.5 });
    assert.deepEqual(withModelDefaults({ trueCfgScale: 1 }, defaults), { width: 64, guidance: 1, trueCfgScale: 1 }, "1 turns it off");
    assert.deepEqual(withModelDefaults({ width: 128, guidance: 30, trueCfgScale: 3 }, defaults), {
      width: 128,
      guidance: 30,
      trueCfgScale: 3,
    });
    assert.deepEqual(withModelDefaults({ steps: 3 }, {}), { steps: 3 });
  });

  it("the server takes them for a request that names no width or guidance", () => {
    const limits = { maxSteps: 50, maxWidth: 1024, maxInstructionChars: 1000 } as Parameters<typeof parseEditParams>[1];
    const fields = new Map([["instruction", "remove the red circle"]]);
    const support = { noiseSelection: false };
    const own = parseEditParams(fields, limits, support, { method: "icedit", editDefaults: { width: 64, guidance: 1 } });
    assert.equal(own.width, 64);
    assert.equal(own.guidance, 1);
    const asked = parseEditParams(new Map([...fields, ["width", "128"], ["guidance", "7"]]), limits, support, {
      method: "icedit",
      editDefaults: { width: 64, guidance: 1 },
    });
    assert.equal(asked.width, 128);
    assert.equal(asked.guidance, 7);
    const served = { method: "icedit" as const, editDefaults: { width: 64, guidance: 1, trueCfgScale: 2.5 } };
    assert.equal(parseEditParams(fields, limits, support, served).trueCfgScale, 2.5, "the model's true CFG scale");
    const off = parseEditParams(new Map([...fields, ["true_cfg_scale", "1"], ["negative_prompt", "blurry"]]), limits, support, served);
    assert.deepEqual([off.trueCfgScale, off.negativePrompt], [1, "blurry"]);
    assert.throws(() => parseEditParams(new Map([...fields, ["true_cfg_scale", "0.5"]]), limits, support, served), /from 1 to 100/);
    const long = new Map([...fields, ["negative_prompt", "x".repeat(1001)]]);
    assert.throws(() => parseEditParams(long, limits, support, served), /negative_prompt.*more than the limit of 1000/);
    const kontext = { method: "kontext" as const, editDefaults: {} };
    assert.throws(
      () => parseEditParams(new Map([...fields, ["true_cfg_scale", "2"]]), limits, support, kontext),
      /applies to ICEdit edits, not to FLUX.1 Kontext/,
    );
    assert.equal(parseEditParams(fields, limits, support, kontext).trueCfgScale, undefined);
  });
});

describe("icedit.json: a session on the folder", () => {
  const demo = useDemoModel("icedit-model-settings-session-");

  it("edits at the folder's width and guidance with the adapter it names, unless the edit says otherwise", async () => {
    await copyFile(join(demo.model, DEMO_MOE_LORA_FILE), join(demo.model, "chosen.safetensors"));
    await writeFile(
      join(demo.model, MODEL_SETTINGS_FILE),
      JSON.stringify({ adapter: "chosen.safetensors", edit: { width: 32, guidance: 2, trueCfgScale: 2.5 } }),
    );
    await withSession({ model: demo.model, embeddingCacheDir: null, precision: "f32" }, async (session) => {
      assert.deepEqual(session.model.editDefaults, { width: 32, guidance: 2, trueCfgScale: 2.5 });
      assert.equal(session.model.adapters.length, 1);
      assert.match(session.model.adapters[0]?.spec ?? "", /chosen\.safetensors$/);
      const own = await session.edit(exampleImage(64, 64), "make the sky green", { steps: 1 });
      assert.deepEqual(own.image.dims, [32, 32, 3]);
      assert.equal(own.record.guidance, 2);
      assert.deepEqual(own.record.trueCfg, { scale: 2.5, negativePrompt: " " });
      const asked = await session.edit(exampleImage(64, 64), "make the sky green", { steps: 1, width: 48, guidance: 5, trueCfgScale: 1 });
      assert.deepEqual(asked.image.dims, [48, 48, 3]);
      assert.equal(asked.record.guidance, 5);
      assert.equal(asked.record.trueCfg, undefined, "trueCfgScale 1 turns the folder's true CFG off");
      const plain = await session.edit(exampleImage(64, 64), "make the sky green", { steps: 1, trueCfgScale: 1 });
      assert.notDeepEqual(own.image.data, plain.image.data, "true CFG changed nothing");
    });
  });
});
