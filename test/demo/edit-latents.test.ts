/**
 * collectEditLatents on the random-weight demo model (2 steps, width 64): each pair's latent is the
 * one the edit decoded, unscaled (scaled back, the model's VAE decodes it to the session's edited image), its image the
 * exact [source | target] diptych of the example at the edit width; seeds of the held-out range
 * are refused before any model opens.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openModel } from "../../src/api/open-model.js";
import { IceditSession } from "../../src/api/session.js";
import { collectEditLatents, EditLatentsError } from "../../src/demo/edit-latents.js";
import { sampleEditExample } from "../../src/demo/scenes/edit-example.js";
import { HELD_OUT_FIRST_SEED } from "../../src/demo/scenes/sample-scene.js";
import { cropRightHalf } from "../../src/image/diptych.js";
import { DIFFUSERS_CONVENTIONS } from "../../src/pipelines/fill/conventions.js";
import { imageToTensor, tensorToImage } from "../../src/pipelines/fill/pixels.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { trainingDiptych } from "../../src/train/data/training-diptych.js";
import { useDemoModel } from "../api/fixtures.js";

const FIRST = 10;
const EDIT = { width: 64, steps: 2 } as const;

/** Row i of [N, ...] as [1, ...]. */
function row(t: Tensor<"f32">, i: number): Tensor<"f32"> {
  const size = t.data.length / (t.dims[0] as number);
  return tensor("f32", [1, ...t.dims.slice(1)], t.data.slice(i * size, (i + 1) * size));
}

describe("collectEditLatents", () => {
  const demo = useDemoModel("icedit-edit-latents-");

  test("pairs each edit's final latent with the example's exact diptych", async () => {
    const pairs = await collectEditLatents({ model: demo.model, firstSeed: FIRST, count: 2, ...EDIT });
    assert.equal(pairs.latents.dims.length, 4);
    assert.deepEqual([pairs.latents.dims[0], ...pairs.latents.dims.slice(2)], [2, 8, 16]);
    assert.deepEqual(pairs.images.dims, [2, 3, 64, 128]);
    const opened = await openModel({ model: demo.model, loras: [] });
    const session = await IceditSession.open({ model: demo.model, loras: "auto" });
    try {
      for (let i = 0; i < 2; i++) {
        const example = sampleEditExample(FIRST + i, i === 0 ? "recolour" : "remove", { size: 128 });
        const diptych = await trainingDiptych(example.source, example.target, 64);
        assert.deepEqual(row(pairs.images, i).data, imageToTensor(diptych.image).data, `pair ${i}: the diptych`);
        const edited = await session.edit(example.source, example.instruction, { seed: FIRST + i, ...EDIT });
        const { scaleFactor, shiftFactor } = opened.models.vae.params;
        const z = row(pairs.latents, i);
        const decoded = await opened.models.vae.decode(
          tensor(
            "f32",
            z.dims,
            z.data.map((v) => (v - shiftFactor) * scaleFactor),
          ),
        );
        const right = cropRightHalf(tensorToImage(decoded.image, DIFFUSERS_CONVENTIONS.toUint8));
        assert.deepEqual(right.dims, edited.image.dims);
        const off = right.data.reduce((n, v, k) => n + (Math.abs(v - (edited.image.data[k] as number)) > 1 ? 1 : 0), 0);
        assert.equal(off, 0, `pair ${i}: the latent decodes to the edited image (${off} values differ by more than 1)`);
      }
    } finally {
      await session.close();
      await opened.models.release();
      await opened.engine.close();
    }
  });

  test("refuses seeds of the held-out range before opening a model", async () => {
    const options = { model: "/nonexistent", count: 2, ...EDIT };
    await assert.rejects(collectEditLatents({ ...options, firstSeed: HELD_OUT_FIRST_SEED - 1 }), EditLatentsError);
    await assert.rejects(collectEditLatents({ ...options, firstSeed: 0, count: 0 }), /count must be a whole number/);
  });
});
