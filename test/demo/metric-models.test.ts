/** The tiny metric-model folders: configs that read back as written, CLIPModel and ViTModel keys that open, and a CLIP tokenizer. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SuiteFolder } from "../api/fixtures.js";
import { clipModelConfigFromHf } from "../../src/models/clip/clip-config.js";
import { vitConfigFromHf } from "../../src/models/vit/config.js";
import { ClipModel } from "../../src/models/clip/clip-model.js";
import { VitModel } from "../../src/models/vit/model.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import { DEMO_METRIC_CLIP, DEMO_METRIC_DINO, writeDemoMetricModels } from "../../src/demo/metric-models.js";
import { PromptTokenizer } from "../../src/text/tokenizer.js";

describe("demo metric models", () => {
  const folder = new SuiteFolder("icedit-metric-models-").use();

  it("writes config.json files that read back as the configs, every parameter under its checkpoint key, and the CLIP tokenizer", async () => {
    const { clip, dino } = await writeDemoMetricModels(folder.dir);
    const clipConfig = clipModelConfigFromHf(JSON.parse(await readFile(join(clip, "config.json"), "utf8")));
    assert.deepEqual(clipConfig, DEMO_METRIC_CLIP);
    assert.deepEqual(vitConfigFromHf(JSON.parse(await readFile(join(dino, "config.json"), "utf8"))), DEMO_METRIC_DINO);
    for (const [dir, params] of [
      [clip, new ClipModel(DEMO_METRIC_CLIP).parameters()],
      [dino, new VitModel(DEMO_METRIC_DINO).parameters()],
    ] as const) {
      const source = await openSafetensors(join(dir, "model.safetensors"));
      try {
        assert.deepEqual([...source.names()].sort(), params.map((p) => p.path).sort());
      } finally {
        await source.close();
      }
    }
    const tokenizer = await PromptTokenizer.fromFolder(clip, "clip", 77);
    const ids = tokenizer.encode("a red circle on a white background").ids;
    assert.equal(ids.length, 77);
    assert.equal(ids[0], DEMO_METRIC_CLIP.text.vocabSize - 2, "BOS");
  });
});
