import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/errors.js";
import { cropRightHalf, makeDiptych } from "../../src/image/diptych.js";
import { rgbImage } from "../../src/image/rgb.js";
import { noise } from "./fixtures.js";

// A 2-row, 3-column source: pixel (x, y) = [10y + x, 100 + 10y + x, 200 + x].
const source = rgbImage(2, 3, Uint8Array.from([0, 1].flatMap((y) => [0, 1, 2].flatMap((x) => [10 * y + x, 100 + 10 * y + x, 200 + x]))));

test("makeDiptych copies the source into both halves by default, with a 0|255 mask", () => {
  const { image, mask } = makeDiptych(source);
  assert.deepEqual(image.dims, [2, 6, 3]);
  const row = (y: number): number[] => [0, 1, 2].flatMap((x) => [10 * y + x, 100 + 10 * y + x, 200 + x]);
  assert.deepEqual([...image.data], [...row(0), ...row(0), ...row(1), ...row(1)]);
  assert.equal(mask.dtype, "u8");
  assert.deepEqual(mask.dims, [2, 6]);
  assert.deepEqual([...mask.data], [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
});

test("makeDiptych with a black right half", () => {
  const { image, mask } = makeDiptych(source, "black");
  const row = (y: number): number[] => [0, 1, 2].flatMap((x) => [10 * y + x, 100 + 10 * y + x, 200 + x]);
  const black = new Array<number>(9).fill(0);
  assert.deepEqual([...image.data], [...row(0), ...black, ...row(1), ...black]);
  assert.deepEqual([...mask.data], [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
});

test("cropRightHalf takes the box (w, 0, 2w, h) back out", () => {
  const big = rgbImage(16, 24, noise(16 * 24 * 3, 5));
  assert.deepEqual([...cropRightHalf(makeDiptych(big).image).data], [...big.data]);
  const cropped = cropRightHalf(makeDiptych(big, "black").image);
  assert.deepEqual(cropped.dims, [16, 24, 3]);
  assert.ok(cropped.data.every((v) => v === 0));
  // The left half is not what is returned: write distinct values into the right half.
  const { image } = makeDiptych(source, "black");
  for (let y = 0; y < 2; y++) for (let x = 3; x < 6; x++) image.data.set([x, y, 77], (y * 6 + x) * 3);
  assert.deepEqual([...cropRightHalf(image).data], [3, 0, 77, 4, 0, 77, 5, 0, 77, 3, 1, 77, 4, 1, 77, 5, 1, 77]);
});

test("bad shapes are refused", () => {
  assert.throws(
    () => cropRightHalf(rgbImage(2, 3)),
    (e: unknown) => e instanceof InvalidArgumentError && /even width/.test(e.message),
  );
  const grey = { dtype: "u8", dims: [2, 2], data: new Uint8Array(4) } as const;
  assert.throws(() => makeDiptych(grey), InvalidArgumentError);
  assert.throws(() => makeDiptych({ dtype: "u8", dims: [2, 2, 3], data: new Uint8Array(11) }), /holds 11 bytes/);
});
