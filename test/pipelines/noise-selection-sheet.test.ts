import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { contactSheet, SHEET_BACKGROUND, SHEET_TEXT, SHEET_WINNER } from "../../src/image/contact-sheet.js";
import { GLYPH_HEIGHT, glyph } from "../../src/image/bitmap-font.js";
import { rgbImage } from "../../src/image/rgb.js";
import { InvalidArgumentError } from "../../src/errors.js";
import type { Tensor } from "../../src/tensor.js";

function flat(width: number, height: number, value: number): Tensor<"u8"> {
  return rgbImage(height, width, new Uint8Array(width * height * 3).fill(value));
}

function pixel(image: Tensor<"u8">, x: number, y: number): number[] {
  const at = (y * (image.dims[1] as number) + x) * 3;
  return [...image.data.subarray(at, at + 3)];
}

describe("contact sheet", () => {
  // scale 1: frame 3, padding 3 + 2 = 5, label band 7 + 5: a 20x10 image takes a 30 x 32 cell.
  const sheet = contactSheet(
    [
      { image: flat(20, 10, 100), label: "42", winner: false },
      { image: flat(20, 10, 200), label: "7", winner: true },
      { image: flat(20, 10, 50), label: "s", winner: false },
    ],
    2,
    { scale: 1 },
  );

  it("lays the images out in a grid of cells", () => {
    assert.deepEqual(sheet.dims, [2 * 32, 2 * 30, 3]);
    assert.deepEqual(pixel(sheet, 5, 5), [100, 100, 100], "image 1 at (pad, pad)");
    assert.deepEqual(pixel(sheet, 30 + 5 + 19, 5 + 9), [200, 200, 200], "image 2 in the second column");
    assert.deepEqual(pixel(sheet, 5, 32 + 5), [50, 50, 50], "image 3 on the second row");
    assert.deepEqual(pixel(sheet, 30 + 5, 32 + 5), [...SHEET_BACKGROUND], "an empty cell");
  });

  it("frames the winner only", () => {
    assert.deepEqual(pixel(sheet, 30 + 2, 2), [...SHEET_WINNER], "frame corner of image 2");
    assert.deepEqual(pixel(sheet, 30 + 5 + 22, 5 + 12), [...SHEET_WINNER], "frame corner, bottom right");
    assert.deepEqual(pixel(sheet, 30 + 1, 1), [...SHEET_BACKGROUND], "outside the frame");
    assert.deepEqual(pixel(sheet, 2, 2), [...SHEET_BACKGROUND], "no frame on image 1");
  });

  it("writes each label under its image with the bitmap font, the winner's in the frame colour", () => {
    // "42" is 11 px wide, centred in the 30 px cell: x from 9; rows from pad + 10 + pad = 20.
    const top = 20;
    const rows = glyph("4");
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        const on = ((rows[gy] as number) >> (4 - gx)) & 1;
        assert.deepEqual(pixel(sheet, 9 + gx, top + gy), on ? [...SHEET_TEXT] : [...SHEET_BACKGROUND], `glyph 4 at (${gx}, ${gy})`);
      }
    }
    const seven = glyph("7");
    // "7" is 5 px wide: x from 30 + 12 = 42.
    assert.equal(seven[0], 0b11111);
    for (let gx = 0; gx < 5; gx++) assert.deepEqual(pixel(sheet, 42 + gx, top), [...SHEET_WINNER]);
    assert.deepEqual(glyph("s"), glyph("S"), "lower case drawn as capitals");
    assert.deepEqual(glyph("\u00e9"), glyph("?"));
  });

  it("picks columns and a font scale by itself, and refuses an empty list", () => {
    const big = contactSheet([1, 2, 3, 4, 5, 6].map((i) => ({ image: flat(512, 8, i), label: `seed ${i}`, winner: i === 3 })));
    assert.equal(big.dims[1], 3 * (512 + 2 * 12), "6 previews: 3 columns; scale 4 gives frame 8 and padding 12");
    assert.throws(() => contactSheet([]), InvalidArgumentError);
  });
});
