import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../../src/errors.js";
import { resizeImage } from "../../../src/image/resize.js";
import { trainingDiptych, TRAINING_RESIZE_KERNEL } from "../../../src/train/data/index.js";
import { patterned, solid } from "./fixtures.js";

/** The [h, w, 3] box (x0, 0, x0 + w, h) of an [h, W, 3] image's data. */
function box(data: Uint8Array, width: number, height: number, x0: number, w: number): Uint8Array {
  const out = new Uint8Array(height * w * 3);
  for (let y = 0; y < height; y++) out.set(data.subarray((y * width + x0) * 3, (y * width + x0 + w) * 3), y * w * 3);
  return out;
}

describe("training diptych", () => {
  it("squashes source and target to size x size (aspect not kept) and puts them side by side, source left", async () => {
    const { image, mask } = await trainingDiptych(solid(24, 16, [200, 10, 10]), solid(10, 30, [10, 20, 200]), 16);
    assert.deepEqual(image.dims, [16, 32, 3]);
    assert.deepEqual(box(image.data, 32, 16, 0, 16), solid(16, 16, [200, 10, 10]).data);
    assert.deepEqual(box(image.data, 32, 16, 16, 16), solid(16, 16, [10, 20, 200]).data);
    assert.deepEqual(mask.dims, [16, 32]);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 32; x++)
        assert.equal(mask.data[y * 32 + x], x < 16 ? 0 : 255, `mask at (${x}, ${y}): white on the right half only`);
    }
  });

  it("keeps an image already at the size as it is and resizes the other with PIL's default (bicubic)", async () => {
    const source = patterned(16, 16, 5);
    const target = patterned(40, 12, 9);
    const { image } = await trainingDiptych(source, target, 16);
    assert.deepEqual(box(image.data, 32, 16, 0, 16), source.data);
    assert.equal(TRAINING_RESIZE_KERNEL, "cubic");
    const cubic = await resizeImage(target, 16, 16, "cubic");
    const lanczos = await resizeImage(target, 16, 16, "lanczos3");
    assert.notDeepEqual(cubic.data, lanczos.data, "the kernels differ on this image, so the check below tells them apart");
    assert.deepEqual(box(image.data, 32, 16, 16, 16), cubic.data);
  });

  it("refuses a size that is not a positive integer", async () => {
    await assert.rejects(trainingDiptych(solid(4, 4, [0, 0, 0]), solid(4, 4, [0, 0, 0]), 0), InvalidArgumentError);
    await assert.rejects(trainingDiptych(solid(4, 4, [0, 0, 0]), solid(4, 4, [0, 0, 0]), 7.5), InvalidArgumentError);
  });
});
