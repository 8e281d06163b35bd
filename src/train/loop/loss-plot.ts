/**
 * The loss curve as an image: the loss of every step and its moving average as lines over a
 * framed plot with ticked, labelled axes (the project's bitmap font), a title and a legend.
 */
import { drawText, textWidth } from "../../image/contact-sheet.js";
import { rgbImage, type RgbImage } from "../../image/rgb.js";
import { writeImage } from "../../image/write.js";
import { InvalidArgumentError } from "../../errors.js";
import { type Axis, niceAxis, type PlotFrame, tickLabel, xPixel, yPixel } from "./plot-scale.js";

type Rgb = readonly [number, number, number];
export const PLOT_BACKGROUND: Rgb = [255, 255, 255];
export const PLOT_AXES: Rgb = [0, 0, 0];
export const PLOT_GRID: Rgb = [225, 225, 225];
export const PLOT_LOSS: Rgb = [60, 120, 220];
export const PLOT_AVERAGE: Rgb = [230, 100, 20];

export interface LossSeries {
  /** Loss of steps firstStep, firstStep + 1, ... */
  readonly loss: readonly number[];
  /** Its moving average, same length. */
  readonly average: readonly number[];
  readonly firstStep: number;
}

export interface PlotLayout {
  readonly width: number;
  readonly height: number;
  readonly frame: PlotFrame;
  readonly x: Axis;
  readonly y: Axis;
  /** Font pixels per glyph pixel. */
  readonly scale: number;
}

interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

function put(c: Canvas, x: number, y: number, colour: Rgb): void {
  if (x >= 0 && y >= 0 && x < c.width && y < c.height) c.data.set(colour, (y * c.width + x) * 3);
}

/** A straight line from (x0, y0) to (x1, y1), both ends included (Bresenham). */
function line(c: Canvas, x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  let x = x0;
  let y = y0;
  for (;;) {
    put(c, x, y, colour);
    if (x === x1 && y === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** The axes and frame for `series` in an image of width x height. */
export function plotLayout(series: LossSeries, width = 800, height = 450, scale = 1): PlotLayout {
  const values = [...series.loss, ...series.average].filter(Number.isFinite);
  const last = series.firstStep + Math.max(0, series.loss.length - 1);
  const x = niceAxis(series.firstStep, Math.max(last, series.firstStep + 1), 8, true);
  const y = niceAxis(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1, 6);
  const labelWidth = Math.max(...y.ticks.map((t) => textWidth(tickLabel(t, y), scale)));
  const glyph = 7 * scale;
  const frame = { left: labelWidth + 8 * scale + 6, top: glyph * 3, right: width - 10 * scale, bottom: height - glyph * 3 - 4 };
  if (frame.right - frame.left < 20 || frame.bottom - frame.top < 20) {
    throw new InvalidArgumentError(`a loss plot of ${width}x${height} leaves no room for the curve: make it larger`);
  }
  return { width, height, frame, x, y, scale };
}

/** The plot of `series` ([H, W, 3] u8). */
export function renderLossPlot(series: LossSeries, width = 800, height = 450, scale = 1): RgbImage {
  if (series.average.length !== series.loss.length) {
    throw new InvalidArgumentError(`the loss has ${series.loss.length} values but its average ${series.average.length}`);
  }
  const layout = plotLayout(series, width, height, scale);
  const { frame: f, x, y } = layout;
  const image = rgbImage(height, width);
  const c: Canvas = { width, height, data: image.data };
  // The background: the first pixel, then the filled part copied after itself until the image is full.
  c.data.set(PLOT_BACKGROUND, 0);
  for (let filled = 3; filled < c.data.length; filled *= 2) c.data.copyWithin(filled, 0, Math.min(filled, c.data.length - filled));
  const glyph = 7 * scale;
  for (const t of y.ticks) {
    const py = yPixel(f, y, t);
    line(c, f.left, py, f.right - 1, py, PLOT_GRID);
    line(c, f.left - 4, py, f.left - 1, py, PLOT_AXES);
    const label = tickLabel(t, y);
    drawText(c, label, f.left - 6 - textWidth(label, scale), py - Math.floor(glyph / 2), scale, PLOT_AXES);
  }
  for (const t of x.ticks) {
    const px = xPixel(f, x, t);
    line(c, px, f.top, px, f.bottom - 1, PLOT_GRID);
    line(c, px, f.bottom, px, f.bottom + 3, PLOT_AXES);
    const label = tickLabel(t, x);
    drawText(c, label, px - Math.floor(textWidth(label, scale) / 2), f.bottom + 6, scale, PLOT_AXES);
  }
  line(c, f.left - 1, f.top, f.left - 1, f.bottom, PLOT_AXES);
  line(c, f.left - 1, f.bottom, f.right - 1, f.bottom, PLOT_AXES);
  const drawSeries = (values: readonly number[], colour: Rgb): void => {
    let prev: [number, number] | null = null;
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        prev = null;
        return;
      }
      const point: [number, number] = [xPixel(f, x, series.firstStep + i), yPixel(f, y, v)];
      if (prev) line(c, prev[0], prev[1], point[0], point[1], colour);
      else put(c, point[0], point[1], colour);
      prev = point;
    });
  };
  drawSeries(series.loss, PLOT_LOSS);
  drawSeries(series.average, PLOT_AVERAGE);
  drawText(c, "TRAINING LOSS", f.left, glyph, scale, PLOT_AXES);
  const legendX = f.right - textWidth("LOSS  MOVING AVERAGE", scale) - 16 * scale;
  line(c, legendX - 12 * scale, glyph + 3 * scale, legendX - 3 * scale, glyph + 3 * scale, PLOT_LOSS);
  drawText(c, "LOSS", legendX, glyph, scale, PLOT_LOSS);
  const avgX = legendX + textWidth("LOSS  ", scale) + 12 * scale;
  line(c, avgX - 12 * scale, glyph + 3 * scale, avgX - 3 * scale, glyph + 3 * scale, PLOT_AVERAGE);
  drawText(c, "MOVING AVERAGE", avgX, glyph, scale, PLOT_AVERAGE);
  drawText(c, "STEP", f.right - textWidth("STEP", scale), f.bottom + 6 + glyph + 3 * scale, scale, PLOT_AXES);
  return image;
}

/** Renders and writes the plot as a PNG, atomically. */
export async function writeLossPlot(path: string, series: LossSeries): Promise<void> {
  await writeImage(path, renderLossPlot(series));
}
