/**
 * The external drawer's rasteriser: a figure's coverage of each pixel is integrated exactly along y
 * (the length of the figure's vertical chord inside the pixel) and by COLUMN_SAMPLES midpoint samples
 * along x. Pixel (px, py) is the square [px, px + 1] x [py, py + 1]. Colours mix linearly by
 * coverage (figures never overlap), rounded to 8 bits. No sub-pixel point sampling as in
 * src/demo/scenes/render.ts: another anti-aliaser, as someone else's drawer would have.
 */
import { PALETTE, type Figure, type Picture } from "./world.js";

export const COLUMN_SAMPLES = 16;

/** The figure's vertical chord [top, bottom] at abscissa x, or null where it does not reach. */
export function chordAt(figure: Figure, x: number): readonly [number, number] | null {
  const h = figure.side / 2;
  const dx = Math.abs(x - (figure.x + h));
  if (dx > h) return null;
  const cy = figure.y + h;
  switch (figure.kind) {
    case "square":
      return [figure.y, figure.y + figure.side];
    case "circle": {
      const half = Math.sqrt(h * h - dx * dx);
      return [cy - half, cy + half];
    }
    case "triangle":
      // apex (cx, y), base from (x, y + side) to (x + side, y + side): the half-width grows by 1/2 a row
      return [figure.y + 2 * dx, figure.y + figure.side];
  }
}

/** coverage: [size * size] fractions in [0, 1] of each pixel the figure covers. */
export function coverage(figure: Figure, size: number): Float64Array {
  const out = new Float64Array(size * size);
  const x0 = Math.max(0, Math.floor(figure.x));
  const x1 = Math.min(size - 1, Math.ceil(figure.x + figure.side));
  for (let px = x0; px <= x1; px++) {
    for (let k = 0; k < COLUMN_SAMPLES; k++) {
      const chord = chordAt(figure, px + (k + 0.5) / COLUMN_SAMPLES);
      if (chord === null) continue;
      const [top, bottom] = chord;
      for (let py = Math.max(0, Math.floor(top)); py <= Math.min(size - 1, Math.floor(bottom)); py++) {
        const inside = Math.min(bottom, py + 1) - Math.max(top, py);
        if (inside > 0) out[py * size + px] = (out[py * size + px] ?? 0) + inside / COLUMN_SAMPLES;
      }
    }
  }
  return out;
}

/** picture -> [size, size, 3] u8 RGB, interleaved. */
export function rasterise(picture: Picture): Uint8Array {
  const { size } = picture;
  const sum = new Float64Array(size * size * 3);
  const covered = new Float64Array(size * size);
  for (const figure of picture.figures) {
    const cover = coverage(figure, size);
    const rgb = PALETTE[figure.colour];
    for (let p = 0; p < cover.length; p++) {
      const a = cover[p] ?? 0;
      if (a === 0) continue;
      covered[p] = (covered[p] ?? 0) + a;
      for (let c = 0; c < 3; c++) sum[p * 3 + c] = (sum[p * 3 + c] ?? 0) + a * (rgb[c] ?? 0);
    }
  }
  const bg = PALETTE[picture.background];
  const out = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    const rest = Math.max(0, 1 - (covered[p] ?? 0));
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.min(255, Math.max(0, Math.round((sum[p * 3 + c] ?? 0) + rest * (bg[c] ?? 0))));
  }
  return out;
}
