import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkPixels, imageToTensor, maskImage, maskToTensor, tensorToImage } from "../../src/pipelines/fill/pixels.js";
import { FillInputError } from "../../src/pipelines/fill/errors.js";
import { tensor } from "../../src/tensor.js";

const rgb = (h: number, w: number): ReturnType<typeof tensor<"u8">> =>
  tensor(
    "u8",
    [h, w, 3],
    new Uint8Array(h * w * 3).map((_, i) => i % 251),
  );
const gray = (h: number, w: number): ReturnType<typeof tensor<"u8">> => tensor("u8", [h, w], new Uint8Array(h * w).fill(255));

describe("fill pixels", () => {
  it("refuses an image and mask of different sizes", () => {
    assert.throws(
      () => checkPixels(rgb(32, 64), gray(32, 48)),
      (e: unknown) => e instanceof FillInputError && /64x32 but the mask is 48x32/.test(e.message),
    );
  });

  it("says which sizes would work when not a multiple of 16, or crops when asked", () => {
    assert.throws(() => checkPixels(rgb(40, 70), gray(40, 70)), /width of 64 or 80 and a height of 32 or 48/);
    const cropped = checkPixels(rgb(40, 70), gray(40, 70), "crop");
    assert.deepEqual([cropped.width, cropped.height], [64, 32]);
    assert.deepEqual(cropped.image.dims, [32, 64, 3]);
    assert.equal(cropped.image.data[3 * 64 * 1], rgb(40, 70).data[3 * 70 * 1]);
  });

  it("refuses a mask with several channels and an image without three", () => {
    assert.throws(() => checkPixels(rgb(32, 32), tensor("u8", [32, 32, 3])), /one channel/);
    assert.throws(() => checkPixels(tensor("u8", [32, 32]), gray(32, 32)), /RGB/);
    assert.doesNotThrow(() => checkPixels(rgb(32, 32), tensor("u8", [32, 32, 1])));
  });

  it("maps pixels to [-1, 1] and the mask to [0, 1], binarised at 0.5 on request", () => {
    const img = imageToTensor(tensor("u8", [1, 1, 3], Uint8Array.of(0, 255, 127)));
    assert.deepEqual([...img.data], [-1, 1, Math.fround(Math.fround(127 / 127.5) - 1)]);
    const m = tensor("u8", [1, 3], Uint8Array.of(0, 127, 128));
    assert.deepEqual([...maskToTensor(m, true).data], [0, 0, 1]);
    assert.deepEqual([...maskToTensor(m, false).data], [0, Math.fround(127 / 255), Math.fround(128 / 255)]);
    const masked = maskImage(tensor("f32", [1, 2, 1, 1], Float32Array.of(0.5, -0.5)), tensor("f32", [1, 1, 1, 1], Float32Array.of(1)));
    assert.deepEqual([...masked.data], [0, -0]);
  });

  it("converts back to uint8 by truncation (BFL) or rounding (diffusers)", () => {
    const decoded = tensor("f32", [1, 3, 1, 1], Float32Array.of(-2, 0.999, 0.0));
    assert.deepEqual([...tensorToImage(decoded, "truncate").data], [0, 254, 127]);
    assert.deepEqual([...tensorToImage(decoded, "round").data], [0, 255, 128]);
  });
});
