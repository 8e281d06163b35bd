import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sceneBatch, VaeTrainingError } from "../../../src/train/vae/index.js";

describe("sceneBatch", () => {
  it("draws each seed's scene as [B, 3, size, size] in [-1, 1]", () => {
    const batch = sceneBatch([3, 4], 16);
    assert.deepEqual(batch.dims, [2, 3, 16, 16]);
    for (const v of batch.data) assert.ok(v >= -1 && v <= 1);
  });

  it("with panels 2, puts consecutive seeds side by side: [B, 3, size, 2 size], the left half seed 2b, the right 2b + 1", () => {
    const size = 16;
    const pairs = sceneBatch([5, 6, 7, 8], size, 2);
    const singles = sceneBatch([5, 6, 7, 8], size);
    assert.deepEqual(pairs.dims, [2, 3, size, 2 * size]);
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < 2 * size; x++) {
            const scene = 2 * b + (x < size ? 0 : 1);
            const expected = singles.data[((scene * 3 + c) * size + y) * size + (x % size)];
            assert.equal(pairs.data[((b * 3 + c) * size + y) * 2 * size + x], expected, `image ${b} channel ${c} (${x}, ${y})`);
          }
        }
      }
    }
  });

  it("refuses seeds that do not fill whole images", () => {
    assert.throws(() => sceneBatch([1, 2, 3], 16, 2), VaeTrainingError);
    assert.throws(() => sceneBatch([1, 2], 16, 0), VaeTrainingError);
  });
});
