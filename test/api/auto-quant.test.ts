import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useDemoModel, withSession } from "./fixtures.js";
import { autoPrecision, fastestForm } from "../../src/api/auto-quant.js";
import { KERNEL_FORMS, KERNEL_PROBE_SHAPE, type KernelTableResult } from "../../src/components/kernels/kernel-table.js";
import { machineInfo, machineKey } from "../../src/components/kernels/machine.js";
import { precisionName, precisionOf } from "../../src/components/precision.js";
import { FLUX_FILL_DEV } from "../../src/models/flux/params.js";
import { FLUX_VAE } from "../../src/models/vae/params.js";
import { T5_V1_1_XXL } from "../../src/models/t5/config.js";
import { CLIP_L_TEXT } from "../../src/models/clip/config.js";
import { DEMO_CLIP, DEMO_FLUX, DEMO_T5, DEMO_VAE } from "../../src/demo/make-demo-model.js";
import type { ModelSizes } from "../../src/components/memory-estimates.js";

const GIB = 2 ** 30;
const FULL: ModelSizes = { flux: FLUX_FILL_DEV, vae: FLUX_VAE, t5: T5_V1_1_XXL, clip: CLIP_L_TEXT, t5Length: 512, clipLength: 77 };
const DEMO: ModelSizes = { flux: DEMO_FLUX, vae: DEMO_VAE, t5: DEMO_T5, clip: DEMO_CLIP, t5Length: 512, clipLength: 77 };

/** A kernel table as measured on some machine (rates in GFLOP/s, relative errors of the product). */
function tableOf(rates: Record<string, [number, number]>, file: string | null = null): KernelTableResult {
  return {
    file,
    cached: true,
    table: {
      version: 1,
      machine: machineInfo(0),
      shape: KERNEL_PROBE_SHAPE,
      runs: 3,
      measuredAt: "2026-12-03T00:00:00.000Z",
      rates: Object.fromEntries(
        KERNEL_FORMS.map((form) => {
          const [gflopsPerS, relativeError] = rates[precisionName(form)] ?? [
            10,
            form.kind === "int4" ? 0.09 : form.kind === "int8" ? 0.008 : 0,
          ];
          return [precisionName(form), { ms: 1, msRuns: [1], gflopsPerS, relativeError }];
        }),
      ),
    },
  };
}

const NEVER = async (): Promise<KernelTableResult> => assert.fail("the kernel table must not be needed");

describe("quant auto", () => {
  it("keeps a model that fits at float32 in float32, without measuring kernels", async () => {
    for (const [sizes, device, budget] of [
      [DEMO, "cpu", 24 * GIB],
      [DEMO, "cuda", 24 * GIB],
      [FULL, "cpu", 1024 * GIB],
    ] as const) {
      const auto = await autoPrecision(sizes, device, budget, { kernels: NEVER });
      assert.equal(auto.precision.kind, "f32");
      assert.equal(auto.record.kernels, null);
    }
  });

  it("on a GPU quantizes the 12B FLUX.1 Fill to int4, without measuring kernels", async () => {
    assert.equal((await autoPrecision(FULL, "cuda", 1024 * GIB, { kernels: NEVER })).precision.kind, "int4");
    assert.equal((await autoPrecision(FULL, "webgpu", 24 * GIB, { kernels: NEVER })).precision.kind, "int4");
  });

  it("on a 24 GiB CPU picks the machine's fastest int8 form, never int4 however fast (its error is too large)", async () => {
    // This machine: int8 with float activations at block 64 is the fastest int8; int4-b128 faster still.
    const table = tableOf({ "int8-b64-acc1": [180, 0.006], "int8-b32": [110, 0.007], "int4-b128": [400, 0.1], f32: [150, 0] });
    const auto = await autoPrecision(FULL, "cpu", 24 * GIB, { kernels: async () => table });
    assert.deepEqual(auto.precision, precisionOf("int8", 64, 1));
    assert.equal(auto.record.chosen, "int8-b64-acc1");
    assert.match(auto.record.reason, /180 GFLOP\/s/);
    assert.equal(auto.record.kernels?.rates["int4-b128"]?.gflopsPerS, 400);
  });

  it("an int4 form whose measured error were acceptable would be taken; a given block size restricts the choice", async () => {
    const table = tableOf({ "int4-b128": [400, 0.001], "int8-b32": [120, 0.007], "int8-b32-acc1": [90, 0.005] });
    assert.equal(fastestForm(table).record.chosen, "int4-b128");
    assert.equal(fastestForm(table, 32).record.chosen, "int8-b32");
  });

  it("with no acceptable form in the table, falls back to int8 and says why", () => {
    const bad = tableOf(Object.fromEntries(KERNEL_FORMS.map((f) => [precisionName(f), [10, 0.5]])));
    const auto = fastestForm(bad);
    assert.equal(auto.precision.kind, "int8");
    assert.match(auto.record.reason, /no measured form had an error under 0.02/);
  });
});

describe("quant auto at open", () => {
  const demo = useDemoModel("icedit-auto-quant-");

  it("opens the demo model in float32 when it fits, and under a tiny budget in the kernel table's fastest int8 form (converted into the cache)", async () => {
    // A table measured before on this machine (the file a first auto open writes): int8 block 128 with float activations wins.
    const kernelTableDir = join(demo.dir, "kernels");
    const table = tableOf({ "int8-b128-acc1": [300, 0.006] }).table;
    await mkdir(kernelTableDir, { recursive: true });
    await writeFile(join(kernelTableDir, `${machineKey(table.machine)}.json`), JSON.stringify(table));
    const options = { model: demo.model, embeddingCacheDir: null, convertedCacheDir: join(demo.dir, "converted"), kernelTableDir };
    await withSession(options, async (roomy) => {
      assert.equal(roomy.quant, "f32");
      assert.equal(roomy.model.autoQuant?.chosen, "f32");
    });
    await withSession({ ...options, maxMemory: 2 ** 20 }, async (tight) => {
      assert.equal(tight.quant, "int8");
      assert.equal(tight.model.autoQuant?.chosen, "int8-b128-acc1");
      assert.equal(tight.model.autoQuant?.kernels?.cached, true);
      const { record } = await tight.edit(demo.image, "add a moon", { steps: 1 });
      assert.equal(record.quant, "int8");
      assert.equal(record.model.autoQuant?.chosen, "int8-b128-acc1");
      assert.deepEqual((await readdir(join(demo.dir, "converted"))).map((n) => n.split("-")[0]).sort(), ["t5", "transformer"]);
    });
  });
});
