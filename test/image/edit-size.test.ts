import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/errors.js";
import { editSize } from "../../src/image/edit-size.js";

test("editSize keeps the aspect and rounds the height to the nearest multiple of 16", () => {
  const cases: Array<[number, number, number, number]> = [
    // [srcWidth, srcHeight] -> height at width 512; exact height in the comment
    [1000, 750, 512, 384], // 384 exactly
    [640, 427, 512, 336], // 341.6 -> 21.35 * 16 -> 336
    [1000, 745, 512, 384], // 381.44 -> 23.84 * 16 -> 384 (flooring to 16 would give 368)
    [1000, 730, 512, 368], // 373.76 -> 23.36 * 16 -> 368
    [512, 512, 512, 512],
    [512, 24, 512, 32], // 24 = 1.5 * 16: a tie rounds up
    [512, 23, 512, 16], // 1.4375 * 16 -> 16
    [4000, 3000, 512, 384],
    [100, 1000, 512, 5120], // tall: 10x
    [3000, 4000, 512, 688], // 682.67 -> 42.67 * 16 -> 688
  ];
  for (const [w, h, width, height] of cases) assert.deepEqual(editSize(w, h), { width, height }, `${w}x${h}`);
});

test("editSize of a very wide image is at least 16 high", () => {
  assert.deepEqual(editSize(100000, 10), { width: 512, height: 16 });
  assert.deepEqual(editSize(10000, 1), { width: 512, height: 16 });
});

test("editSize takes another target width that is a multiple of 16", () => {
  assert.deepEqual(editSize(1000, 750, 1024), { width: 1024, height: 768 });
  assert.deepEqual(editSize(640, 427, 256), { width: 256, height: 176 }); // 170.8 -> 10.675 * 16 -> 176
});

test("editSize refuses a target width that is not a multiple of 16, and bad sizes", () => {
  assert.throws(
    () => editSize(1000, 750, 500),
    (e: unknown) => e instanceof InvalidArgumentError && /multiple of 16/.test(e.message),
  );
  assert.throws(() => editSize(0, 750), InvalidArgumentError);
  assert.throws(() => editSize(1000, -1), InvalidArgumentError);
  assert.throws(() => editSize(1000.5, 750), InvalidArgumentError);
  assert.throws(() => editSize(1000, 750, 0), InvalidArgumentError);
});
