/**
 * A rough segmentation of a demo-world scene by colour: the background is the palette colour
 * most of the border shows; a shape is a 4-connected component of pixels near one palette
 * colour, and its kind is read from how much of its bounding box it fills (square 1, circle
 * pi/4, upright triangle 1/2).
 */
import type { RgbView } from "../../image/index.js";
import type { ShapeKind } from "./instruction.js";
import { channelDistance, COLOUR_NAMES, COLOURS, nearestColour, type ColourName } from "./palette.js";

/** How near (max channel difference) a pixel must be to count as a palette colour. */
export const NEAR_COLOUR = 60;

const FILL_RATIO: Readonly<Record<ShapeKind, number>> = { square: 1, circle: Math.PI / 4, triangle: 0.5 };

export interface Component {
  /** Pixel indices (y * width + x). */
  readonly pixels: readonly number[];
  readonly box: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
}

/** The palette colour the image border shows most (the scene's background). */
export function backgroundColour(image: RgbView): ColourName {
  const votes = new Map<ColourName, number>(COLOUR_NAMES.map((name) => [name, 0]));
  const { width, height } = image;
  const vote = (x: number, y: number): void => {
    const nearest = nearestColour(image.data, y * width + x);
    if (nearest.distance <= NEAR_COLOUR) votes.set(nearest.name, (votes.get(nearest.name) ?? 0) + 1);
  };
  for (let x = 0; x < width; x++) {
    vote(x, 0);
    vote(x, height - 1);
  }
  for (let y = 1; y < height - 1; y++) {
    vote(0, y);
    vote(width - 1, y);
  }
  let best: ColourName = "white";
  for (const name of COLOUR_NAMES) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
  return best;
}

/** image: [H, W, 3] -> [H * W] 1 where a pixel is within NEAR_COLOUR of `colour`. */
export function colourMask(image: RgbView, colour: ColourName): Uint8Array {
  const mask = new Uint8Array(image.width * image.height);
  for (let i = 0; i < mask.length; i++) mask[i] = channelDistance(image.data, i, COLOURS[colour]) <= NEAR_COLOUR ? 1 : 0;
  return mask;
}

/** The 4-connected components of a [H * W] mask, largest first. */
export function components(mask: Uint8Array, width: number, height: number): Component[] {
  const seen = new Uint8Array(mask.length);
  const found: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const pixels: number[] = [start];
    seen[start] = 1;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    for (let k = 0; k < pixels.length; k++) {
      const i = pixels[k] ?? 0;
      const x = i % width;
      const y = (i - x) / width;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1];
      for (const n of neighbours) {
        if (n >= 0 && mask[n] && !seen[n]) {
          seen[n] = 1;
          pixels.push(n);
        }
      }
    }
    found.push({ pixels, box: { x0, y0, x1, y1 } });
  }
  return found.sort((a, b) => b.pixels.length - a.pixels.length);
}

/** How far a component's fill of its bounding box is from the ideal fill of `kind` (0: a perfect match). */
export function kindMismatch(component: Component, kind: ShapeKind): number {
  const { x0, y0, x1, y1 } = component.box;
  const fill = component.pixels.length / ((x1 - x0 + 1) * (y1 - y0 + 1));
  return Math.abs(fill - FILL_RATIO[kind]);
}

/** The kind whose ideal fill is nearest the component's. */
export function shapeKindOf(component: Component): ShapeKind {
  const kinds = Object.keys(FILL_RATIO) as ShapeKind[];
  return kinds.reduce((best, kind) => (kindMismatch(component, kind) < kindMismatch(component, best) ? kind : best));
}

/** [H * W] mask -> the same mask grown by `radius` pixels (a square neighbourhood). */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let yy = Math.max(0, y - radius); yy <= Math.min(height - 1, y + radius); yy++)
        for (let xx = Math.max(0, x - radius); xx <= Math.min(width - 1, x + radius); xx++) out[yy * width + xx] = 1;
    }
  }
  return out;
}
