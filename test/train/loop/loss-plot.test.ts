import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel } from "../../../src/image/bitmap-font.js";
import type { RgbImage } from "../../../src/image/rgb.js";
import {
  PLOT_AVERAGE,
  PLOT_AXES,
  PLOT_BACKGROUND,
  PLOT_LOSS,
  plotLayout,
  renderLossPlot,
  writeLossPlot,
} from "../../../src/train/loop/loss-plot.js";

type Rgb = readonly [number, number, number];

const pixel = (image: RgbImage, x: number, y: number): Rgb => {
  const i = (y * (image.dims[1] as number) + x) * 3;
  return [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
};
const same = (a: Rgb, b: Rgb): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** Top-left corners where `text` is drawn in `colour` at scale 1: every glyph pixel on, its neighbours in the cell off. */
function findText(
  image: RgbImage,
  text: string,
  colour: Rgb,
  region = { x0: 0, y0: 0, x1: image.dims[1] as number, y1: image.dims[0] as number },
): [number, number][] {
  const found: [number, number][] = [];
  const chars = [...text];
  const w = chars.length * (GLYPH_WIDTH + 1) - 1;
  for (let y = region.y0; y + GLYPH_HEIGHT <= region.y1; y++) {
    for (let x = region.x0; x + w <= region.x1; x++) {
      let ok = true;
      for (let c = 0; c < chars.length && ok; c++) {
        for (let gy = 0; gy < GLYPH_HEIGHT && ok; gy++) {
          for (let gx = 0; gx < GLYPH_WIDTH && ok; gx++) {
            const on = same(pixel(image, x + c * (GLYPH_WIDTH + 1) + gx, y + gy), colour);
            ok = on === glyphPixel(chars[c] as string, gx, gy);
          }
        }
      }
      if (ok) found.push([x, y]);
    }
  }
  return found;
}

describe("loss plot", () => {
  const loss = [4, 3, 2, 1, 0.5];
  const average = [4, 4, 4, 4, 4];
  const series = { loss, average, firstStep: 1 };

  it("is an 800x450 RGB image with the loss line where the data says", () => {
    const image = renderLossPlot(series);
    assert.deepEqual([...image.dims], [450, 800, 3]);
    const { frame } = plotLayout(series);
    // independent of the code's scale: y from 0 (bottom row) to 4 (top row), x from step 1 (left) to 5 (right)
    const x = (step: number): number => frame.left + Math.round(((step - 1) / 4) * (frame.right - 1 - frame.left));
    const y = (v: number): number => frame.bottom - 1 - Math.round((v / 4) * (frame.bottom - 1 - frame.top));
    for (const [i, v] of loss.entries()) {
      if (i === 0) continue; // step 1 is under the average line
      assert.deepEqual(pixel(image, x(i + 1), y(v)), PLOT_LOSS, `loss point of step ${i + 1}`);
    }
    // halfway between steps 3 (loss 2) and 4 (loss 1) the line passes 1.5
    const midX = Math.round((x(3) + x(4)) / 2);
    const column = Array.from({ length: frame.bottom - frame.top }, (_, k) => frame.top + k).filter((row) =>
      same(pixel(image, midX, row), PLOT_LOSS),
    );
    assert.ok(column.length > 0 && column.every((row) => Math.abs(row - y(1.5)) <= 2), `loss line at x=${midX}: rows ${column.join(", ")}`);
    // the moving average is the top row (value 4) across the plot
    for (const step of [2, 3, 4, 5]) assert.deepEqual(pixel(image, x(step), y(4)), PLOT_AVERAGE);
    assert.deepEqual(
      pixel(image, Math.round((x(2) + x(3)) / 2), y(3.5)),
      PLOT_BACKGROUND,
      "a point off the lines and the grid is background",
    );
  });

  it("labels the axes with the bitmap font: the y ticks 0..4 left of the plot, the x ticks 1..5 under it, a title", () => {
    const image = renderLossPlot(series);
    const { frame } = plotLayout(series);
    for (const label of ["0", "1", "2", "3", "4"]) {
      const hits = findText(image, label, PLOT_AXES, { x0: 0, y0: frame.top - 8, x1: frame.left, y1: frame.bottom + 8 });
      assert.equal(hits.length, 1, `y tick label ${label}`);
      const expectedRow = frame.bottom - 1 - Math.round((Number(label) / 4) * (frame.bottom - 1 - frame.top));
      assert.ok(Math.abs((hits[0]?.[1] ?? 0) + 3 - expectedRow) <= 1, `label ${label} is centred on its tick`);
    }
    for (const label of ["1", "2", "3", "4", "5"]) {
      const hits = findText(image, label, PLOT_AXES, { x0: frame.left - 8, y0: frame.bottom + 1, x1: 800, y1: frame.bottom + 20 });
      assert.equal(hits.length, 1, `x tick label ${label}`);
    }
    assert.equal(findText(image, "TRAINING LOSS", PLOT_AXES).length, 1);
    assert.equal(findText(image, "STEP", PLOT_AXES).length, 1);
    assert.equal(findText(image, "MOVING AVERAGE", PLOT_AVERAGE).length, 1);
  });

  it("labels decimals and handles a flat or one-step history", () => {
    const flat = renderLossPlot({ loss: [0.25], average: [0.25], firstStep: 7 });
    assert.deepEqual([...flat.dims], [450, 800, 3]);
    const decimals = renderLossPlot({ loss: [0.12, 0.11, 0.1], average: [0.12, 0.115, 0.11], firstStep: 1 });
    assert.ok(findText(decimals, "0.10", PLOT_AXES).length >= 1, "tick 0.10");
  });

  it("writes a PNG that decodes to the rendered pixels", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-plot-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeLossPlot(join(dir, "loss.png"), series);
    const bytes = await readFile(join(dir, "loss.png"));
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 800);
    assert.equal(info.height, 450);
    assert.ok(Buffer.from(renderLossPlot(series).data).equals(data));
  });
});
