import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/errors.js";
import { resizeImage } from "../../src/image/resize.js";
import { rgbImage } from "../../src/image/rgb.js";
import { noise, pixel } from "./fixtures.js";

test("resizing gives the requested dims, aspect not kept", async () => {
  const image = rgbImage(30, 40, noise(30 * 40 * 3));
  const out = await resizeImage(image, 512, 336);
  assert.equal(out.dtype, "u8");
  assert.deepEqual(out.dims, [336, 512, 3]);
  assert.deepEqual((await resizeImage(image, 7, 50)).dims, [50, 7, 3]);
});

test("a constant image stays constant under every kernel", async () => {
  const image = rgbImage(
    12,
    20,
    new Uint8Array(12 * 20 * 3).map((_, i) => [17, 130, 240][i % 3]!),
  );
  for (const kernel of ["nearest", "linear", "cubic", "mitchell", "lanczos2", "lanczos3"] as const) {
    for (const [w, h] of [
      [8, 5],
      [45, 31],
    ]) {
      const out = await resizeImage(image, w!, h!, kernel);
      for (let y = 0; y < h!; y++) {
        for (let x = 0; x < w!; x++) assert.deepEqual(pixel(out, x, y), [17, 130, 240], `${kernel} ${w}x${h} at (${x}, ${y})`);
      }
    }
  }
});

test("nearest 2x enlargement repeats each pixel in a 2x2 block", async () => {
  const data = Uint8Array.from([1, 2, 3, 40, 50, 60, 70, 80, 90, 200, 210, 220]);
  const out = await resizeImage(rgbImage(2, 2, data), 4, 4, "nearest");
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) assert.deepEqual(pixel(out, x, y), pixel(rgbImage(2, 2, data), x >> 1, y >> 1), `(${x}, ${y})`);
  }
});

test("bad sizes and kernels are refused", async () => {
  const image = rgbImage(4, 4);
  await assert.rejects(resizeImage(image, 0, 4), InvalidArgumentError);
  await assert.rejects(resizeImage(image, 4, 2.5), InvalidArgumentError);
  // @ts-expect-error: not a kernel name
  await assert.rejects(resizeImage(image, 4, 4, "bicubic"), /unknown resize kernel "bicubic"/);
});
