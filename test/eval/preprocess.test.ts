/** torchvision's Resize / CenterCrop / ToTensor / Normalize rules against hand-worked numbers. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { centerCropOffsets, resizedSize, roundHalfEven } from "../../src/eval/preprocess/geometry.js";
import {
  CLIP_TRANSFORM,
  centerCrop,
  DINO_TRANSFORM,
  normalizeInto,
  preprocessImages,
  resizeShorterSide,
} from "../../src/eval/preprocess/transform.js";
import { rgbImage } from "../../src/image/rgb.js";
import { InvalidArgumentError } from "../../src/errors.js";

/** Pixel (y, x) channel c = (y * 16 + x * 3 + c) % 256: every byte says where it came from. */
function patterned(height: number, width: number) {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (y * 16 + x * 3 + c) % 256;
  return rgbImage(height, width, data);
}

describe("Resize and CenterCrop sizes", () => {
  test("Python's round: halves to even", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6, 3].map(roundHalfEven), [0, 2, 2, 4, -0, 2, 3, 3]);
  });

  test("the shorter side becomes size, the longer int(size * long / short)", () => {
    assert.deepEqual(resizedSize(44, 40, 32), [35, 32]); // 32 * 44 / 40 = 35.2
    assert.deepEqual(resizedSize(40, 48, 37), [37, 44]); // 37 * 48 / 40 = 44.4
    assert.deepEqual(resizedSize(480, 640, 224), [224, 298]); // 298.67 truncates
    assert.deepEqual(resizedSize(512, 512, 256), [256, 256]);
    assert.deepEqual(resizedSize(100, 30, 224), [746, 224]); // 746.67, upscaling
  });

  test("top = round((h - crop) / 2), left likewise", () => {
    assert.deepEqual(centerCropOffsets(35, 32, 32), { top: 2, left: 0 }); // 1.5 -> 2
    assert.deepEqual(centerCropOffsets(37, 44, 32), { top: 2, left: 6 }); // 2.5 -> 2, 6
    assert.deepEqual(centerCropOffsets(33, 32, 32), { top: 0, left: 0 }); // 0.5 -> 0
    assert.deepEqual(centerCropOffsets(256, 298, 224), { top: 16, left: 37 });
    assert.throws(() => centerCropOffsets(30, 40, 32), InvalidArgumentError);
  });

  test("centerCrop takes the window at those offsets", () => {
    const crop = centerCrop(patterned(7, 10), 4); // top round(1.5) = 2, left 3
    assert.deepEqual(crop.dims, [4, 4, 3]);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) assert.equal(crop.data[(y * 4 + x) * 3 + 1], ((y + 2) * 16 + (x + 3) * 3 + 1) % 256);
  });

  test("an image already at the size is not resampled", () => {
    const image = patterned(32, 40);
    assert.equal(resizeShorterSide(image, 32), image);
  });
});

describe("ToTensor and Normalize", () => {
  test("((v / 255) - mean) / std per channel, channels first", () => {
    const image = rgbImage(1, 2, Uint8Array.from([0, 255, 51, 255, 0, 102]));
    const out = new Float32Array(6);
    normalizeInto(image, { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] }, out);
    assert.deepEqual([...out], [-1, 1, 3, -1, 0.1, 0.2].map(Math.fround));
  });

  test("a constant image preprocesses to the constant (v/255 - mean)/std whatever its size", () => {
    const v = 200;
    const image = rgbImage(45, 61, new Uint8Array(45 * 61 * 3).fill(v));
    for (const t of [CLIP_TRANSFORM, DINO_TRANSFORM]) {
      const px = preprocessImages([image, image], t);
      assert.deepEqual(px.dims, [2, 3, t.crop, t.crop]);
      const plane = t.crop * t.crop;
      for (let c = 0; c < 3; c++) {
        const want = (v / 255 - (t.mean[c] as number)) / (t.std[c] as number);
        for (const n of [0, 1]) {
          const got = px.data[(n * 3 + c) * plane + 17] as number;
          assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
        }
      }
    }
  });

  test("crops the resized image: a 64x32 image at Resize(16)+CenterCrop(16) keeps resized rows 8..23", () => {
    // white input rows 24..39 -> resized rows 12..19 -> crop rows 4..11; the rest black
    const data = new Uint8Array(64 * 32 * 3);
    for (let y = 24; y < 40; y++) data.fill(255, y * 32 * 3, (y + 1) * 32 * 3);
    const px = preprocessImages([rgbImage(64, 32, data)], { resize: 16, crop: 16, mean: [0, 0, 0], std: [1, 1, 1] });
    assert.deepEqual(px.dims, [1, 3, 16, 16]);
    const row = (y: number): number => px.data[y * 16 + 8] as number;
    for (const y of [5, 6, 9, 10]) assert.equal(row(y), 1, `row ${y}`);
    for (const y of [0, 1, 14, 15]) assert.equal(row(y), 0, `row ${y}`);
  });

  test("a crop larger than the resize is refused", () => {
    assert.throws(() => preprocessImages([patterned(8, 8)], { ...CLIP_TRANSFORM, resize: 16, crop: 32 }), InvalidArgumentError);
  });
});
