import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { useDemoModel, withSession } from "./fixtures.js";
import { autoPrecision } from "../../src/api/auto-quant.js";
import { FLUX_FILL_DEV } from "../../src/models/flux/params.js";
import { FLUX_VAE } from "../../src/models/vae/params.js";
import { T5_V1_1_XXL } from "../../src/models/t5/config.js";
import { CLIP_L_TEXT } from "../../src/models/clip/config.js";
import { DEMO_CLIP, DEMO_FLUX, DEMO_T5, DEMO_VAE } from "../../src/demo/make-demo-model.js";
import type { ModelSizes } from "../../src/components/memory-estimates.js";

const GIB = 2 ** 30;
const FULL: ModelSizes = { flux: FLUX_FILL_DEV, vae: FLUX_VAE, t5: T5_V1_1_XXL, clip: CLIP_L_TEXT, t5Length: 512, clipLength: 77 };
const DEMO: ModelSizes = { flux: DEMO_FLUX, vae: DEMO_VAE, t5: DEMO_T5, clip: DEMO_CLIP, t5Length: 512, clipLength: 77 };

describe("quant auto", () => {
  it("keeps a model that fits at float32 in float32", () => {
    assert.equal(autoPrecision(DEMO, "cpu", 24 * GIB), "f32");
    assert.equal(autoPrecision(DEMO, "cuda", 24 * GIB), "f32");
    assert.equal(autoPrecision(FULL, "cpu", 1024 * GIB), "f32");
  });

  it("quantizes the 12B FLUX.1 Fill: int8 on a 24 GiB CPU machine, int4 on a GPU", () => {
    assert.equal(autoPrecision(FULL, "cpu", 24 * GIB), "int8");
    assert.equal(autoPrecision(FULL, "cuda", 1024 * GIB), "int4");
    assert.equal(autoPrecision(FULL, "webgpu", 24 * GIB), "int4");
  });
});

describe("quant auto at open", () => {
  const demo = useDemoModel("icedit-auto-quant-");

  it("opens the demo model in float32 when it fits, and int8 (converted into the cache) under a tiny budget", async () => {
    const options = { model: demo.model, embeddingCacheDir: null, convertedCacheDir: join(demo.dir, "converted") };
    await withSession(options, async (roomy) => assert.equal(roomy.quant, "f32"));
    await withSession({ ...options, maxMemory: 2 ** 20 }, async (tight) => {
      assert.equal(tight.quant, "int8");
      const { record } = await tight.edit(demo.image, "add a moon", { steps: 1 });
      assert.equal(record.quant, "int8");
      assert.deepEqual((await readdir(join(demo.dir, "converted"))).map((n) => n.split("-")[0]).sort(), ["t5", "transformer"]);
    });
  });
});
