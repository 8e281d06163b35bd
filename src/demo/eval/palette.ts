/** The max-over-channels colour distance the rules use, over the demo world's palette (scenes/palette.ts). */

import { COLOUR_NAMES, COLOURS, type ColourName, type Rgb } from "../scenes/palette.js";

export { COLOUR_NAMES, COLOURS, type ColourName, type Rgb };

/** max over channels of |a - b|, for pixel `i` of an interleaved RGB buffer against a colour. */
export function channelDistance(data: Uint8Array, i: number, colour: Rgb): number {
  const o = i * 3;
  return Math.max(Math.abs((data[o] ?? 0) - colour[0]), Math.abs((data[o + 1] ?? 0) - colour[1]), Math.abs((data[o + 2] ?? 0) - colour[2]));
}

/** max over channels of |a - b| for pixel `i` of two interleaved RGB buffers of the same size. */
export function pixelDistance(a: Uint8Array, b: Uint8Array, i: number): number {
  const o = i * 3;
  return Math.max(
    Math.abs((a[o] ?? 0) - (b[o] ?? 0)),
    Math.abs((a[o + 1] ?? 0) - (b[o + 1] ?? 0)),
    Math.abs((a[o + 2] ?? 0) - (b[o + 2] ?? 0)),
  );
}

/** The palette colour nearest to pixel `i` and its distance. */
export function nearestColour(data: Uint8Array, i: number): { name: ColourName; distance: number } {
  let best: { name: ColourName; distance: number } = { name: "red", distance: Number.POSITIVE_INFINITY };
  for (const name of COLOUR_NAMES) {
    const distance = channelDistance(data, i, COLOURS[name]);
    if (distance < best.distance) best = { name, distance };
  }
  return best;
}
