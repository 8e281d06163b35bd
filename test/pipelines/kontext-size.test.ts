import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { kontextSize, PREFERRED_KONTEXT_RESOLUTIONS } from "../../src/pipelines/kontext/resolution.js";
import { kontextInputSize, kontextOutputSize } from "../../src/pipelines/kontext/edit.js";
import { InvalidArgumentError } from "../../src/errors.js";

describe("Kontext sizes", () => {
  it("picks the preferred resolution of the closest aspect ratio, then multiples of 16", () => {
    assert.deepEqual(kontextSize(512, 512), { width: 1024, height: 1024, preferred: { width: 1024, height: 1024 } });
    // 4:3 = 1.333: 1328x800 is 1.66, 1184x880 is 1.345, 1104x944 is 1.169 -> 1184x880.
    assert.deepEqual(kontextSize(640, 480).preferred, { width: 1184, height: 880 });
    // A very wide image takes the widest entry; a very tall one the tallest.
    assert.deepEqual(kontextSize(4000, 100).preferred, { width: 1568, height: 672 });
    assert.deepEqual(kontextSize(100, 4000).preferred, { width: 672, height: 1568 });
    for (const [w, h] of PREFERRED_KONTEXT_RESOLUTIONS) {
      const size = kontextSize(w, h);
      assert.deepEqual(size.preferred, { width: w, height: h }, "an entry's own aspect picks it");
      assert.equal(size.width % 16, 0);
      assert.equal(size.height % 16, 0);
      assert.ok(w - size.width < 16 && h - size.height < 16);
    }
  });

  it("cuts sides down to multiples of 16 and breaks ties by the smaller width", () => {
    const table = [
      [40, 20],
      [20, 20],
    ] as const;
    // aspect 1.5 is 0.5 from both 2 and 1: the smaller width (20) wins, then 20 -> 16.
    assert.deepEqual(kontextSize(3, 2, table), { width: 16, height: 16, preferred: { width: 20, height: 20 } });
    assert.deepEqual(kontextSize(5, 2, table), { width: 32, height: 16, preferred: { width: 40, height: 20 } });
    assert.throws(() => kontextSize(0, 10), InvalidArgumentError);
  });

  it("keeps the image's own size when asked, and sizes the output from width or height", () => {
    assert.deepEqual(kontextInputSize(70, 50, true), { width: 64, height: 48 });
    assert.deepEqual(kontextInputSize(640, 480), { width: 1184, height: 880 });
    assert.throws(() => kontextInputSize(15, 40, true), InvalidArgumentError);
    const resized = { width: 64, height: 48 };
    assert.deepEqual(kontextOutputSize(resized), resized);
    assert.deepEqual(kontextOutputSize(resized, 128), { width: 128, height: 96 });
    assert.deepEqual(kontextOutputSize(resized, undefined, 96), { width: 128, height: 96 });
    assert.deepEqual(kontextOutputSize(resized, 32, 80), { width: 32, height: 80 });
  });
});
