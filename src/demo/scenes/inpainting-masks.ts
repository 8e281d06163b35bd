/**
 * Random in-painting masks for training the base model on captioned scenes: a rectangle, a half
 * of the canvas, or one shape (its coverage grown by 2 px so its anti-aliased edge is inside).
 * Masks are [size, size] u8, 255 where the model fills in (FLUX Fill's convention: white = fill).
 */
import type { Mask } from "../../image/rgb.js";
import type { Prng } from "../../numeric/prng.js";
import { tensor } from "../../tensor.js";
import { pickOne, randomIndex } from "./random.js";
import { shapeCoverage } from "./render.js";
import type { Scene } from "./scene.js";

export const INPAINTING_MASK_KINDS = ["rectangle", "half", "shape"] as const;
export type InpaintingMaskKind = (typeof INPAINTING_MASK_KINDS)[number];

export const HALVES = ["left", "right", "top", "bottom"] as const;
export type Half = (typeof HALVES)[number];

/** Grows shape masks by this many pixels (a square neighbourhood). */
export const SHAPE_MASK_GROWTH_PX = 2;

/** mask: [size, size] u8, the pixels with x in [x0, x1) and y in [y0, y1). */
export function rectangleMask(size: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const data = new Uint8Array(size * size);
  for (let y = Math.max(0, y0); y < Math.min(size, y1); y++) data.fill(255, y * size + Math.max(0, x0), y * size + Math.min(size, x1));
  return tensor("u8", [size, size], data);
}

/** mask: [size, size] u8, one half of the canvas (the middle row or column goes to the second half when size is odd). */
export function halfMask(size: number, half: Half): Mask {
  const mid = Math.floor(size / 2);
  switch (half) {
    case "left":
      return rectangleMask(size, 0, 0, mid, size);
    case "right":
      return rectangleMask(size, mid, 0, size, size);
    case "top":
      return rectangleMask(size, 0, 0, size, mid);
    case "bottom":
      return rectangleMask(size, 0, mid, size, size);
  }
}

/** mask: [size, size] u8, the pixels within `grow` px (square neighbourhood) of a pixel the shape covers at all. */
export function shapeMask(scene: Scene, index: number, size: number, grow = SHAPE_MASK_GROWTH_PX): Mask {
  const shape = scene.shapes[index];
  if (shape === undefined) throw new RangeError(`the scene has no shape ${index}`);
  const counts = shapeCoverage(shape, { size });
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (counts[y * size + x] === 0) continue;
      for (let yy = Math.max(0, y - grow); yy <= Math.min(size - 1, y + grow); yy++) {
        data.fill(255, yy * size + Math.max(0, x - grow), yy * size + Math.min(size - 1, x + grow) + 1);
      }
    }
  }
  return tensor("u8", [size, size], data);
}

/**
 * A random mask of `kind`: a rectangle with sides uniform from 1/4 to 3/4 of the canvas at a
 * uniform place, a uniform half, or a uniform shape of the scene.
 */
export function drawInpaintingMask(prng: Prng, scene: Scene, kind: InpaintingMaskKind, size: number): Mask {
  switch (kind) {
    case "rectangle": {
      const lo = Math.ceil(size / 4);
      const w = lo + randomIndex(prng, Math.floor((3 * size) / 4) - lo + 1);
      const h = lo + randomIndex(prng, Math.floor((3 * size) / 4) - lo + 1);
      const x = randomIndex(prng, size - w + 1);
      const y = randomIndex(prng, size - h + 1);
      return rectangleMask(size, x, y, x + w, y + h);
    }
    case "half":
      return halfMask(size, pickOne(prng, HALVES) ?? "left");
    case "shape":
      return shapeMask(scene, randomIndex(prng, scene.shapes.length), size);
  }
}

/** image: [H, W, 3] u8, the mask's value in all three channels (for writing it as a PNG). */
export function maskAsRgb(mask: Mask): Mask {
  const [h, w] = mask.dims as [number, number];
  const data = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) data.fill(mask.data[p] as number, p * 3, p * 3 + 3);
  return tensor("u8", [h, w, 3], data);
}
