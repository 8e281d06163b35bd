/**
 * The size FLUX.1 Kontext [dev] edits an image at (BFL sampling.prepare_kontext): the entry of the
 * resolutions it was trained on whose aspect ratio is closest to the image's, then each side cut
 * down to a multiple of 16. All entries are about one megapixel.
 */
import { InvalidArgumentError } from "../../errors.js";

/** BFL PREFERED_KONTEXT_RESOLUTIONS, as (width, height), in BFL's order. */
export const PREFERRED_KONTEXT_RESOLUTIONS: readonly (readonly [number, number])[] = [
  [672, 1568],
  [688, 1504],
  [720, 1456],
  [752, 1392],
  [800, 1328],
  [832, 1248],
  [880, 1184],
  [944, 1104],
  [1024, 1024],
  [1104, 944],
  [1184, 880],
  [1248, 832],
  [1328, 800],
  [1392, 752],
  [1456, 720],
  [1504, 688],
  [1568, 672],
];

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface KontextSize extends Size {
  /** The preferred resolution picked, before the multiples of 16. */
  readonly preferred: Size;
}

/**
 * The Kontext size of a width x height image: the closest aspect ratio |w/h - width/height| (in
 * float64, as Python compares), ties to the smaller width, then the height; then 16 * floor(side / 16).
 */
export function kontextSize(width: number, height: number, table = PREFERRED_KONTEXT_RESOLUTIONS): KontextSize {
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(`image ${name} must be a positive whole number, got ${v}`);
  }
  const aspect = width / height;
  let best: readonly [number, number, number] | null = null;
  for (const [w, h] of table) {
    const key = [Math.abs(aspect - w / h), w, h] as const;
    if (!best || key[0] < best[0] || (key[0] === best[0] && (key[1] < best[1] || (key[1] === best[1] && key[2] < best[2])))) best = key;
  }
  if (!best) throw new InvalidArgumentError("the table of preferred Kontext resolutions is empty");
  const [, w, h] = best;
  return { width: 16 * Math.floor(w / 16), height: 16 * Math.floor(h / 16), preferred: { width: w, height: h } };
}
