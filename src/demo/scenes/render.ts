/**
 * Drawing a scene into an RGB image with anti-aliasing by supersampling: each pixel is split into
 * n x n sub-pixels (default 4 x 4), each sub-pixel takes the colour of the shape containing its
 * centre (or the background's), and the pixel is their mean, rounded. Shapes never overlap, so a
 * pixel's value is round((count_bg * bg + sum_i count_i * colour_i) / n^2): integer arithmetic
 * that only depends on the counts, so the same geometry gives the same pixels.
 */
import { InvalidArgumentError } from "../../errors.js";
import { type RgbImage, rgbImage } from "../../image/rgb.js";
import { shapeContains } from "./geometry.js";
import { rgbOf } from "./palette.js";
import { type Scene, type Shape, shapeBox } from "./scene.js";

export const DEFAULT_CANVAS = 128;
export const DEFAULT_SUBSAMPLES = 4;

export interface RenderOptions {
  /** Canvas side in pixels (default 128). */
  readonly size?: number;
  /** Sub-pixels per pixel side (default 4: 16 samples a pixel). */
  readonly subsamples?: number;
}

function checkRender(options: RenderOptions): { size: number; n: number } {
  const size = options.size ?? DEFAULT_CANVAS;
  const n = options.subsamples ?? DEFAULT_SUBSAMPLES;
  if (!Number.isInteger(size) || size < 8) throw new InvalidArgumentError(`canvas size must be an integer of at least 8, got ${size}`);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError(`subsamples must be an integer from 1 to 16, got ${n}`);
  return { size, n };
}

/**
 * coverage: [size, size] sub-pixel counts, 0 to n^2: how many of a pixel's sub-pixel centres lie
 * in the shape.
 */
export function shapeCoverage(shape: Shape, options: RenderOptions = {}): Uint16Array {
  const { size, n } = checkRender(options);
  const counts = new Uint16Array(size * size);
  const [l, t, r, b] = shapeBox(shape);
  const x0 = Math.max(0, Math.floor(l * size));
  const x1 = Math.min(size - 1, Math.ceil(r * size));
  const y0 = Math.max(0, Math.floor(t * size));
  const y1 = Math.min(size - 1, Math.ceil(b * size));
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let count = 0;
      for (let sy = 0; sy < n; sy++) {
        const y = (py + (sy + 0.5) / n) / size;
        for (let sx = 0; sx < n; sx++) {
          if (shapeContains(shape, (px + (sx + 0.5) / n) / size, y)) count++;
        }
      }
      counts[py * size + px] = count;
    }
  }
  return counts;
}

/** image: [size, size, 3] u8, the scene drawn with anti-aliased edges. */
export function renderScene(scene: Scene, options: RenderOptions = {}): RgbImage {
  const { size, n } = checkRender(options);
  const samples = n * n;
  const coverages = scene.shapes.map((shape) => shapeCoverage(shape, { size, subsamples: n }));
  const colours = scene.shapes.map((shape) => rgbOf(shape.colour));
  const bg = rgbOf(scene.background);
  const data = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) {
      let covered = 0;
      let sum = 0;
      for (let i = 0; i < coverages.length; i++) {
        const count = (coverages[i] as Uint16Array)[p] as number;
        covered += count;
        sum += count * ((colours[i] as readonly number[])[c] as number);
      }
      sum += (samples - covered) * (bg[c] as number);
      data[p * 3 + c] = Math.round(sum / samples);
    }
  }
  return rgbImage(size, size, data);
}
