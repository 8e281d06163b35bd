import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../src/runtime/engine.js";
import { FluxTransformer } from "../../src/components/flux/transformer.js";
import { Vae } from "../../src/components/vae/vae.js";
import { GOLDEN_T1 } from "../../src/models/flux/params.js";
import { GOLDEN_V1 } from "../../src/models/vae/params.js";
import { fill, type FillModels, type FillRequest } from "../../src/pipelines/fill/fill.js";
import { BFL_CONVENTIONS, DIFFUSERS_CONVENTIONS } from "../../src/pipelines/fill/conventions.js";
import { CancelledError, NonFiniteLatentError } from "../../src/pipelines/fill/errors.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { goldenFile, goldenSkip } from "../golden-paths.js";

async function loadAll(file: string): Promise<Map<string, Tensor>> {
  const source = await openSafetensors(file);
  const map = new Map<string, Tensor>();
  for (const name of source.names()) map.set(name, await source.read(name));
  await source.close();
  return map;
}

describe("fill pipeline", { skip: goldenSkip }, () => {
  let engine: Engine;
  let models: FillModels;
  let request: FillRequest;
  let transformerWeights: Map<string, Tensor>;

  before(async () => {
    engine = new Engine();
    transformerWeights = await loadAll(goldenFile("weights/t1_bfl_f32.safetensors"));
    const transformer = await FluxTransformer.open(engine, { weights: memorySource(transformerWeights), params: GOLDEN_T1 });
    const vae = await Vae.open(engine, {
      weights: memorySource(await loadAll(goldenFile("weights/vae_v1_bfl_f32.safetensors"))),
      params: GOLDEN_V1,
    });
    models = { transformer, vae };
    const inputs = await openSafetensors(goldenFile("cases/fill_denoise.inputs.safetensors"));
    request = {
      image: (await inputs.read("image_u8")) as Tensor<"u8">,
      mask: (await inputs.read("mask_u8")) as Tensor<"u8">,
      txt: await inputs.readF32("txt"),
      y: await inputs.readF32("y"),
    };
    await inputs.close();
  });
  after(async () => engine.close());

  it("is deterministic for a seed, and the two conventions give different images", async () => {
    const a = await fill(models, request, { seed: 7, steps: 2, guidance: 50 });
    const b = await fill(models, request, { seed: 7, steps: 2, guidance: 50 });
    const c = await fill(models, request, { seed: 7, steps: 2, guidance: 50, conventions: BFL_CONVENTIONS });
    assert.deepEqual(a.image.data, b.image.data);
    assert.equal(a.record.conventions, "diffusers");
    assert.equal(c.record.conventions, "bfl");
    assert.notDeepEqual(a.decoded.data, c.decoded.data);
    assert.deepEqual(a.image.dims, [32, 64, 3]);
    assert.equal(a.record.timings.stepMs.length, 2);
    assert.equal(a.record.schedule.length, 3);
  });

  it("draws the noise second under diffusers conventions (after the image posterior sample)", async () => {
    const bfl = await fill(models, request, { seed: 3, steps: 1, guidance: 50, conventions: { ...BFL_CONVENTIONS, noiseDtype: "bf16" } });
    const diffusers = await fill(models, request, { seed: 3, steps: 1, guidance: 50, conventions: DIFFUSERS_CONVENTIONS });
    assert.notDeepEqual(bfl.noise.data, diffusers.noise.data);
    const explicit = await fill(models, request, { seed: 3, steps: 1, guidance: 50, conventions: BFL_CONVENTIONS, noise: diffusers.noise });
    assert.deepEqual(explicit.noise.data, diffusers.noise.data);
  });

  it("reports progress per stage and stops between steps when cancelled", async () => {
    const stages: string[] = [];
    const controller = new AbortController();
    await assert.rejects(
      fill(models, request, {
        seed: 1,
        steps: 4,
        guidance: 50,
        signal: controller.signal,
        onProgress: (p) => stages.push(`${p.stage}:${p.step}/${p.steps}`),
        onStep: (info) => {
          if (info.step === 2) controller.abort();
        },
      }),
      (e: unknown) => e instanceof CancelledError && e.step === 2 && /after step 2 of 4/.test(e.message),
    );
    assert.deepEqual(stages, ["prepare:0/1", "prepare:1/1", "denoise:0/4", "denoise:1/4", "denoise:2/4"]);
  });

  it("refuses zero steps and bad text shapes", async () => {
    await assert.rejects(fill(models, request, { seed: 1, steps: 0, guidance: 50 }), InvalidArgumentError);
    await assert.rejects(
      fill(models, { ...request, y: tensor("f32", [32]) }, { seed: 1, steps: 1, guidance: 50 }),
      /y must be \[1, features\]/,
    );
  });

  it("stops with an error naming the step when the latents become NaN", async () => {
    const broken = new Map(transformerWeights);
    const bias = tensor("f32", [64], new Float32Array(64).fill(NaN));
    broken.set("final_layer.linear.bias", bias);
    const transformer = await FluxTransformer.open(engine, { weights: memorySource(broken), params: GOLDEN_T1 });
    try {
      await assert.rejects(
        fill({ ...models, transformer }, request, { seed: 1, steps: 3, guidance: 50 }),
        (e: unknown) => e instanceof NonFiniteLatentError && e.step === 1 && /step 1 of 3 produced NaN/.test(e.message),
      );
    } finally {
      await transformer.release();
    }
  });
});
