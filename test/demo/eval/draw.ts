/** Test scenes of the demo world drawn in a few lines: filled shapes, anti-aliased by 4x4 supersampling. */
import type { Mask, RgbImage } from "../../../src/image/index.js";
import { COLOURS, type ColourName } from "../../../src/demo/eval/palette.js";
import type { ShapeKind } from "../../../src/demo/eval/instruction.js";

export interface TestShape {
  readonly kind: ShapeKind;
  readonly colour: ColourName;
  readonly cx: number;
  readonly cy: number;
  readonly size: number;
}

export interface TestScene {
  readonly size: number;
  readonly background: ColourName;
  readonly shapes: readonly TestShape[];
}

function inside(shape: TestShape, x: number, y: number): boolean {
  const half = shape.size / 2;
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  if (shape.kind === "square") return Math.abs(dx) <= half && Math.abs(dy) <= half;
  if (shape.kind === "circle") return dx * dx + dy * dy <= half * half;
  const down = dy + half; // 0 at the apex, size at the base
  return down >= 0 && down <= shape.size && Math.abs(dx) <= down / 2;
}

/** The fraction of pixel (x, y) a shape covers, from 4x4 samples. */
function coverage(shape: TestShape, x: number, y: number): number {
  let hits = 0;
  for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (inside(shape, x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++;
  return hits / 16;
}

export function drawScene(scene: TestScene): RgbImage {
  const { size } = scene;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let pixel: number[] = [...COLOURS[scene.background]];
      for (const shape of scene.shapes) {
        const a = coverage(shape, x, y);
        if (a > 0) pixel = pixel.map((v, c) => v * (1 - a) + (COLOURS[shape.colour][c] ?? 0) * a);
      }
      data.set(pixel.map(Math.round), (y * size + x) * 3);
    }
  }
  return { dtype: "u8", dims: [size, size, 3], data };
}

/** [size, size]: 1 where a shape covers at least half a pixel. */
export function shapeMask(shape: TestShape, size: number): Mask {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = coverage(shape, x, y) >= 0.5 ? 1 : 0;
  return { dtype: "u8", dims: [size, size], data };
}

/** Adds a deterministic +-amplitude ripple to every channel (a model's output is never exact). */
export function withNoise(image: RgbImage, amplitude: number): RgbImage {
  const data = image.data as Uint8Array;
  const out = data.map((v, i) => Math.max(0, Math.min(255, v + Math.round(amplitude * Math.sin(i * 12.9898)))));
  return { dtype: "u8", dims: image.dims, data: out };
}

/** Paints a filled rectangle of a colour over an image (damage). */
export function paintRect(image: RgbImage, x0: number, y0: number, x1: number, y1: number, colour: ColourName): RgbImage {
  const width = image.dims[1] ?? 0;
  const data = (image.data as Uint8Array).slice();
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.set(COLOURS[colour], (y * width + x) * 3);
  return { dtype: "u8", dims: image.dims, data };
}
