/**
 * The metrics against closed forms: cosines, pixel distances, and scoreEdit on tiny random models
 * (an image compared with itself scores 1 and 0, whatever the weights; missing inputs give null).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cosineSimilarity, embeddingRow } from "../../src/eval/metrics/cosine.js";
import { pixelDistances } from "../../src/eval/metrics/pixel-distance.js";
import { scoreEdit, type EditMetricModels } from "../../src/eval/metrics/score-edit.js";
import { ClipModelRunner } from "../../src/eval/models/clip-model.js";
import { DinoVit } from "../../src/eval/models/dino.js";
import { CLIP_TRANSFORM, preprocessImages } from "../../src/eval/preprocess/transform.js";
import { rgbImage } from "../../src/image/rgb.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { Engine } from "../../src/runtime/engine.js";
import { f32, tensor } from "../../src/tensor.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { randomClipModelWeights, randomVitWeights, TINY_CLIP, TINY_VIT } from "./tiny-models.js";
import { uniform } from "../onnx/helpers.js";

function randomImage(height: number, width: number, seed: number) {
  return rgbImage(height, width, Uint8Array.from(uniform(height * width * 3, seed, 0, 255.99), Math.floor));
}

describe("cosine similarity", () => {
  test("identical, scaled, orthogonal and opposite vectors", () => {
    assert.ok(Math.abs(cosineSimilarity([1, 2, 3], [1, 2, 3]) - 1) < 1e-15);
    assert.ok(Math.abs(cosineSimilarity([1, 2, 3], [2, 4, 6]) - 1) < 1e-15);
    assert.equal(cosineSimilarity([1, 0], [0, 5]), 0);
    assert.ok(Math.abs(cosineSimilarity([1, -2], [-1, 2]) + 1) < 1e-15);
    assert.ok(Math.abs(cosineSimilarity([3, 4], [4, 3]) - 24 / 25) < 1e-15);
    assert.equal(cosineSimilarity([0, 0], [1, 1]), 0);
    assert.throws(() => cosineSimilarity([1], [1, 2]), InvalidArgumentError);
  });

  test("rows of an [N, D] tensor", () => {
    assert.deepEqual([...embeddingRow(f32([2, 2], [1, 2, 3, 4]), 1)], [3, 4]);
    assert.throws(() => embeddingRow(f32([2, 2], [1, 2, 3, 4]), 2), InvalidArgumentError);
  });
});

describe("L1 and L2", () => {
  test("identical images are 0 apart", () => {
    const image = randomImage(9, 7, 1);
    assert.deepEqual(pixelDistances(image, image), { l1: 0, l2: 0 });
  });

  test("constant images: |a - b| / 255 and its square, also after resizing the generated image", () => {
    const target = rgbImage(6, 8, new Uint8Array(6 * 8 * 3).fill(0));
    for (const [h, w] of [
      [6, 8],
      [11, 5],
    ]) {
      const generated = rgbImage(h as number, w as number, new Uint8Array((h as number) * (w as number) * 3).fill(51));
      const { l1, l2 } = pixelDistances(generated, target);
      assert.ok(Math.abs(l1 - 0.2) < 1e-12 && Math.abs(l2 - 0.04) < 1e-12, `${l1} ${l2}`);
    }
  });

  test("half the pixels off by 255: L1 = L2 = 0.5", () => {
    const target = rgbImage(2, 2, new Uint8Array(12));
    const generated = rgbImage(2, 2, Uint8Array.from([255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0]));
    assert.deepEqual(pixelDistances(generated, target), { l1: 0.5, l2: 0.5 });
  });
});

describe("scoreEdit on tiny random models", () => {
  let engine: Engine;
  let models: EditMetricModels;
  const dinoTransform = { resize: 28, crop: TINY_VIT.imageSize, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

  before(async () => {
    engine = new Engine();
    const clip = await ClipModelRunner.open(engine, { weights: memorySource(randomClipModelWeights(TINY_CLIP, 5)), config: TINY_CLIP });
    const dino = await DinoVit.open(engine, { weights: memorySource(randomVitWeights(TINY_VIT, 6)), config: TINY_VIT });
    models = { clip, dino, dinoTransform };
  });
  after(async () => {
    await Promise.all([models.clip.release(), models.dino.release()]);
    await engine.close();
  });

  const caption = tensor("i64", [10], BigInt64Array.from([998, 5, 6, 7, 999, 999, 999, 999, 999, 999], BigInt));

  test("an edit that equals its target and source scores CLIP-I 1, DINO 1, L1 0, L2 0", async () => {
    const image = randomImage(40, 52, 2);
    const s = await scoreEdit({ generated: image, source: image, target: image, outputCaptionIds: caption }, models);
    for (const v of [s.clipI, s.clipISource, s.dino]) assert.ok(v !== null && Math.abs(v - 1) < 1e-6, `${v}`);
    assert.equal(s.l1, 0);
    assert.equal(s.l2, 0);
    assert.ok(s.clipOut !== null && Math.abs(s.clipOut) <= 1);
  });

  test("different images score below 1; the metrics are symmetric in generated and target", async () => {
    const a = randomImage(40, 52, 3);
    const b = randomImage(36, 30, 4);
    const ab = await scoreEdit({ generated: a, target: b }, models);
    const ba = await scoreEdit({ generated: b, target: a }, models);
    assert.ok(ab.clipI !== null && ab.clipI < 1 - 1e-4 && ab.dino !== null && ab.dino < 1 - 1e-4);
    assert.ok(Math.abs((ab.clipI as number) - (ba.clipI as number)) < 1e-6);
    assert.ok(Math.abs((ab.dino as number) - (ba.dino as number)) < 1e-6);
    assert.ok((ab.l1 as number) > 0 && (ab.l2 as number) > 0);
  });

  test("CLIP-Out is the cosine of the image and text embeddings of the same models", async () => {
    const image = randomImage(33, 47, 7);
    const s = await scoreEdit({ generated: image, outputCaptionIds: caption }, models);
    const px = preprocessImages([image], { ...CLIP_TRANSFORM, resize: 32, crop: 32 });
    const img = (await models.clip.embedImages(px)).imageEmbeds.data;
    const txt = (await models.clip.embedTexts(tensor("i64", [1, 10], caption.data))).textEmbeds.data;
    assert.ok(Math.abs((s.clipOut as number) - cosineSimilarity(img, txt)) < 1e-6);
  });

  test("metrics without their inputs are null", async () => {
    const s = await scoreEdit({ generated: randomImage(32, 32, 8) }, models);
    assert.deepEqual(s, { clipI: null, clipISource: null, clipOut: null, dino: null, l1: null, l2: null });
  });

  test("a transform that does not crop to the model's size is refused", async () => {
    const bad = { ...models, dinoTransform: { ...dinoTransform, crop: 16 } };
    await assert.rejects(
      scoreEdit({ generated: randomImage(32, 32, 9), target: randomImage(32, 32, 9) }, bad),
      /crops to 16 but the model takes 24x24/,
    );
  });
});
