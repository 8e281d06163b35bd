/**
 * A contact sheet: images in a grid, each with a label under it (drawn with the built-in bitmap
 * font), the winner framed in bright green. For noise selection's candidate previews.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel } from "./bitmap-font.js";
import { checkRgbImage, rgbImage, type RgbImage } from "./rgb.js";

export interface SheetEntry {
  /** [h, w, 3] uint8 */
  readonly image: Tensor<"u8">;
  readonly label: string;
  readonly winner: boolean;
}

export interface SheetOptions {
  /** Font pixels per glyph pixel (default: from the image width, at least 1). */
  readonly scale?: number;
}

type Rgb = readonly [number, number, number];
export const SHEET_BACKGROUND: Rgb = [24, 24, 24];
export const SHEET_TEXT: Rgb = [235, 235, 235];
/** The winner's frame and label colour. */
export const SHEET_WINNER: Rgb = [0, 230, 90];

interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

function fillRect(canvas: Canvas, x0: number, y0: number, w: number, h: number, colour: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(canvas.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(canvas.width, x0 + w); x++) canvas.data.set(colour, (y * canvas.width + x) * 3);
  }
}

/** Draws `text` with its top-left corner at (x, y), each font pixel `scale` x `scale`. */
export function drawText(canvas: Canvas, text: string, x: number, y: number, scale: number, colour: Rgb): void {
  const advance = (GLYPH_WIDTH + 1) * scale;
  [...text].forEach((ch, i) => {
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (glyphPixel(ch, gx, gy)) fillRect(canvas, x + i * advance + gx * scale, y + gy * scale, scale, scale, colour);
      }
    }
  });
}

/** The width `text` takes at `scale` (no trailing space). */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * (GLYPH_WIDTH + 1) - 1) * scale;
}

export function contactSheet(entries: readonly SheetEntry[], columns?: number, options: SheetOptions = {}): RgbImage {
  if (entries.length === 0) throw new InvalidArgumentError("a contact sheet needs at least one image");
  const views = entries.map((e, i) => checkRgbImage(e.image, `contact sheet image ${i + 1}`));
  const cols = columns ?? (entries.length <= 4 ? entries.length : Math.ceil(Math.sqrt(entries.length)));
  if (!Number.isInteger(cols) || cols < 1)
    throw new InvalidArgumentError(`the number of columns must be a whole number of at least 1, got ${cols}`);
  const rows = Math.ceil(entries.length / cols);
  const maxW = Math.max(...views.map((v) => v.width));
  const maxH = Math.max(...views.map((v) => v.height));
  const scale = options.scale ?? Math.max(1, Math.round(maxW / 128));
  if (!Number.isInteger(scale) || scale < 1)
    throw new InvalidArgumentError(`the font scale must be a whole number of at least 1, got ${scale}`);
  const frame = Math.max(3, 2 * scale);
  const pad = frame + Math.max(2, scale);
  const labelHeight = GLYPH_HEIGHT * scale + pad;
  const cellW = maxW + 2 * pad;
  const cellH = maxH + 2 * pad + labelHeight;
  const canvas: Canvas = { width: cols * cellW, height: rows * cellH, data: new Uint8Array(cols * cellW * rows * cellH * 3) };
  fillRect(canvas, 0, 0, canvas.width, canvas.height, SHEET_BACKGROUND);

  entries.forEach((entry, i) => {
    const view = views[i] as (typeof views)[number];
    const cx = (i % cols) * cellW;
    const cy = Math.floor(i / cols) * cellH;
    const ix = cx + pad + Math.floor((maxW - view.width) / 2);
    const iy = cy + pad + Math.floor((maxH - view.height) / 2);
    if (entry.winner) fillRect(canvas, ix - frame, iy - frame, view.width + 2 * frame, view.height + 2 * frame, SHEET_WINNER);
    for (let y = 0; y < view.height; y++) {
      canvas.data.set(view.data.subarray(y * view.width * 3, (y + 1) * view.width * 3), ((iy + y) * canvas.width + ix) * 3);
    }
    let label = entry.label;
    while (label.length > 0 && textWidth(label, scale) > cellW - 2 * pad) label = label.slice(0, -1);
    const tx = cx + Math.floor((cellW - textWidth(label, scale)) / 2);
    const ty = cy + pad + maxH + pad;
    drawText(canvas, label, tx, ty, scale, entry.winner ? SHEET_WINNER : SHEET_TEXT);
  });
  return rgbImage(canvas.height, canvas.width, canvas.data);
}
