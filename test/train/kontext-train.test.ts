/**
 * icedit train on the Kontext demo (random weights): the model decides the method, the examples are
 * encoded as Kontext's (the target's tokens, the source's condition tokens, the instruction as the
 * prompt), a LoRA trains with the fixed-batch loss falling, the adapter file says kontext, and it
 * loads into a Kontext edit, every module of it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { edit } from "../../src/api/session.js";
import { openTrainingRun, type TrainingRun } from "../../src/api/training-run.js";
import { train } from "../../src/api/train.js";
import { makeDemoModel } from "../../src/demo/make-demo-model.js";
import { Prng } from "../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import type { AdapterParams } from "../../src/train/loop/index.js";
import { readAllF32 } from "../../src/weights/source.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import { LoraMethodError } from "../../src/weights/lora/errors.js";
import { patterned, solid, writeMetadata, writePng } from "./data/fixtures.js";
import { makeKontextDemoModel } from "../api/fixtures.js";

const SIZE = 32;
const SEED = 7;

describe("icedit train on the Kontext demo", () => {
  let dir = "";
  let model = "";
  let data = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-kontext-train-"));
    model = join(dir, "demo-kontext");
    await makeKontextDemoModel(model);
    data = join(dir, "data");
    const lines = [];
    for (let i = 0; i < 2; i++) {
      await writePng(join(data, `s${i}.png`), patterned(48, 48, i));
      await writePng(join(data, `t${i}.png`), solid(48, 48, [20, 200, 40]));
      lines.push({ source: `s${i}.png`, target: `t${i}.png`, instruction: "make it green" });
    }
    await writeMetadata(data, lines);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a Kontext LoRA trains (the fixed-batch loss falls), says kontext, and loads into a Kontext edit", async (t) => {
    const out = join(dir, "run");
    // The run's model and data stay open after training, for the fixed-batch losses.
    let opened: TrainingRun | null = null;
    const result = await train({
      openRun: async (request) => {
        opened = await openTrainingRun(request);
        return { ...opened, release: async () => undefined };
      },
      model,
      data: [data],
      out,
      size: SIZE,
      adapter: "lora",
      rank: 4,
      steps: 8,
      batch: 2,
      gradAccum: 1,
      optimizer: "adamw",
      lr: 3e-3,
      textDropout: 0,
      checkpointing: false,
      seed: SEED,
    });
    assert.equal(result.method, "kontext");
    const adapterFile = join(out, "adapter.safetensors");
    const source = await openSafetensors(adapterFile);
    let trained: Map<string, Tensor<"f32">>;
    try {
      assert.equal(source.metadata()["icedit_method"], "kontext");
      trained = await readAllF32(source);
    } finally {
      await source.close();
    }

    const run = opened as TrainingRun | null;
    assert.ok(run);
    try {
      assert.equal(run.method, "kontext");
      const [a, b] = [await run.dataset.get(0), await run.dataset.get(1)];
      // A 32 x 32 target: 2 x 2 noisy tokens; the source's condition tokens are 64-channel latents too.
      assert.deepEqual(a.x0.dims, [4, 64]);
      assert.deepEqual(a.imgCond.dims, [4, 64]);
      const stack = (x: Tensor<"f32">, y: Tensor<"f32">): Tensor<"f32"> => {
        const both = new Float32Array(x.data.length * 2);
        both.set(x.data);
        both.set(y.data, x.data.length);
        return tensor("f32", [2, ...x.dims], both);
      };
      const x0 = stack(a.x0, b.x0);
      const noise = tensor("f32", x0.dims);
      new Prng(5).fillNormal(noise.data, 1);
      const batch = {
        x0,
        imgCond: stack(a.imgCond, b.imgCond),
        txt: stack(a.txt, b.txt),
        y: stack(a.y, b.y),
        t: Float32Array.of(0.3, 0.7),
        noise,
      };
      const loss = async (params: AdapterParams): Promise<number> => (await run.lossAndGrads(batch, params)).loss;
      const [before, afterTraining] = [await loss(run.initialParams), await loss(trained)];
      t.diagnostic(`fixed-batch loss ${before.toFixed(4)} before, ${afterTraining.toFixed(4)} after 8 steps`);
      assert.ok(afterTraining < before, `the fixed-batch loss went from ${before} to ${afterTraining}`);
    } finally {
      await run.release();
    }

    const image = patterned(48, 32, 3);
    const common = { model, image, instruction: "make it green", steps: 2, embeddingCacheDir: null, convertedCacheDir: null };
    const adapted = await edit({ ...common, loras: [adapterFile] });
    assert.equal(adapted.record.method, "kontext");
    assert.equal(adapted.record.model.adapters[0]?.matchedModules, trained.size / 2, "every trained LoRA module applies");

    // The same file on an ICEdit (FLUX.1 Fill) model is refused by its metadata, naming the method.
    const fill = join(dir, "demo-fill");
    await makeDemoModel(fill);
    await assert.rejects(
      edit({ ...common, model: fill, loras: [adapterFile] }),
      (error: unknown) => error instanceof LoraMethodError && /trained for FLUX\.1 Kontext \[dev\].*edits with ICEdit/.test(error.message),
    );
  });
});
