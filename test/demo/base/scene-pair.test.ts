/** Pairs of scenes for the in-painting base: the diptych's shape, the same scene or two, and masks that never make an edit. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  COPY_MASK_KINDS,
  pairCaption,
  PAIR_MASK_KINDS,
  sceneCopyInpainting,
  scenePairInpainting,
} from "../../../src/demo/base/scene-pair-inpainting.js";
import { sceneGrid } from "../../../src/demo/base/scene-dataset.js";
import { captionOf } from "../../../src/demo/scenes/caption.js";
import type { Scene } from "../../../src/demo/scenes/scene.js";

const SIZE = 32;

/** [SIZE, SIZE, 3] of one side of a pair image. */
function side(image: { data: Uint8Array }, which: "left" | "right"): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    const from = (y * 2 * SIZE + (which === "left" ? 0 : SIZE)) * 3;
    out.set(image.data.subarray(from, from + SIZE * 3), y * SIZE * 3);
  }
  return out;
}

function maskedOn(mask: { data: Uint8Array }, which: "left" | "right"): number {
  let n = 0;
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) if (mask.data[y * 2 * SIZE + (which === "left" ? 0 : SIZE) + x]) n++;
  return n;
}

describe("scene pairs", () => {
  it("are size x 2 size with a mask of the same shape, on the diptych's latent grid", async () => {
    const pair = await scenePairInpainting(7, 0, SIZE);
    assert.deepEqual(pair.image.dims, [SIZE, 2 * SIZE, 3]);
    assert.deepEqual(pair.mask.dims, [SIZE, 2 * SIZE]);
    assert.deepEqual(sceneGrid({ firstSeed: 0, count: 1, size: 64, layout: "pair" }), { rows: 4, cols: 8 });
    assert.deepEqual(sceneGrid({ firstSeed: 0, count: 1, size: 64 }), { rows: 4, cols: 4 });
  });

  it("show the same scene twice (captioned so) or two scenes with each side captioned, about half and half", async () => {
    let same = 0;
    for (let seed = 0; seed < 40; seed++) {
      const pair = await scenePairInpainting(seed, 0, SIZE);
      const identical = Buffer.from(side(pair.image, "left")).equals(Buffer.from(side(pair.image, "right")));
      assert.equal(pair.caption.includes("of the same scene"), identical, `seed ${seed}: ${pair.caption}`);
      if (identical) same++;
      else assert.match(pair.caption, /^two side-by-side images, on the left .* background, on the right .* background$/);
    }
    assert.ok(same >= 10 && same <= 30, `${same} of 40 pairs show one scene twice`);
  });

  it("mask the right image, the left image, or a region inside one image, by index", async () => {
    for (let index = 0; index < 9; index++) {
      const pair = await scenePairInpainting(100 + index, index, SIZE);
      const kind = PAIR_MASK_KINDS[index % 3];
      assert.equal(pair.maskKind, kind);
      const [left, right] = [maskedOn(pair.mask, "left"), maskedOn(pair.mask, "right")];
      if (kind === "right image") assert.deepEqual([left, right], [0, SIZE * SIZE]);
      else if (kind === "left image") assert.deepEqual([left, right], [SIZE * SIZE, 0]);
      else {
        assert.ok((left === 0) !== (right === 0), `one side only: ${left}, ${right}`);
        assert.ok(Math.max(left, right) < SIZE * SIZE);
      }
    }
  });

  it("copy pairs: always one scene twice, with the right image, the left image or a region inside one masked", async () => {
    for (let index = 0; index < 9; index++) {
      const pair = await sceneCopyInpainting(200 + index, index, SIZE);
      assert.ok(Buffer.from(side(pair.image, "left")).equals(Buffer.from(side(pair.image, "right"))), `seed ${200 + index}`);
      assert.match(pair.caption, /^two side-by-side images of the same scene, /);
      assert.equal(pair.maskKind, COPY_MASK_KINDS[index % 3]);
      const [left, right] = [maskedOn(pair.mask, "left"), maskedOn(pair.mask, "right")];
      if (pair.maskKind === "right image") assert.deepEqual([left, right], [0, SIZE * SIZE]);
      if (pair.maskKind === "left image") assert.deepEqual([left, right], [SIZE * SIZE, 0]);
    }
    assert.deepEqual(sceneGrid({ firstSeed: 0, count: 1, size: 64, layout: "copy" }), { rows: 4, cols: 8 });
  });

  it("caption with the scene captions", () => {
    const a: Scene = { background: "white", shapes: [{ kind: "circle", colour: "red", size: 0.25, centre: { x: 0.3, y: 0.3 } }] };
    const b: Scene = { background: "black", shapes: [{ kind: "square", colour: "blue", size: 0.25, centre: { x: 0.6, y: 0.6 } }] };
    assert.equal(pairCaption(a, "same"), `two side-by-side images of the same scene, ${captionOf(a)}`);
    assert.equal(
      pairCaption(a, b),
      "two side-by-side images, on the left a red circle on a white background, on the right a blue square on a black background",
    );
  });
});
