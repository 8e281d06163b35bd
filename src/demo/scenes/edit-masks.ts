/**
 * The masks of an edit, for the pixel rule that scores it (issue 15, item 5):
 * - region: the pixels whose expected colour changes: any coverage by the edited shape (recolour,
 *   remove: in the source; add: in the target), or any background showing (background edit);
 * - outside: pixels outside the region whose centre is at least 2 px from every shape's edge
 *   (the source's and the target's shapes).
 * Masks are [size, size] u8, 255 in the mask, 0 elsewhere.
 */
import { type Mask } from "../../image/rgb.js";
import { tensor } from "../../tensor.js";
import { type SceneEdit, editedShapeIndex } from "./edits.js";
import { distanceToEdge } from "./geometry.js";
import { DEFAULT_SUBSAMPLES, shapeCoverage } from "./render.js";
import type { Scene, Shape } from "./scene.js";

/** The distance from an edge, in pixels, that the outside mask keeps. */
export const OUTSIDE_EDGE_DISTANCE_PX = 2;

/** region: [size, size] u8. */
export function editRegion(source: Scene, target: Scene, edit: SceneEdit, size: number, subsamples = DEFAULT_SUBSAMPLES): Mask {
  const region = new Uint8Array(size * size);
  const index = editedShapeIndex(source, edit);
  if (index === null) {
    const full = subsamples * subsamples;
    const covered = new Uint16Array(size * size);
    for (const shape of source.shapes) {
      const counts = shapeCoverage(shape, { size, subsamples });
      for (let p = 0; p < counts.length; p++) covered[p] = (covered[p] as number) + (counts[p] as number);
    }
    for (let p = 0; p < region.length; p++) region[p] = (covered[p] as number) < full ? 255 : 0;
  } else {
    const shape = (edit.kind === "add" ? target : source).shapes[index] as Shape;
    const counts = shapeCoverage(shape, { size, subsamples });
    for (let p = 0; p < region.length; p++) region[p] = (counts[p] as number) > 0 ? 255 : 0;
  }
  return tensor("u8", [size, size], region);
}

/** outside: [size, size] u8: not in `region`, and at least 2 px from every edge of `shapes`. */
export function outsideMask(region: Mask, shapes: readonly Shape[], size: number): Mask {
  const outside = new Uint8Array(size * size);
  const limit = OUTSIDE_EDGE_DISTANCE_PX / size;
  for (let py = 0; py < size; py++) {
    const y = (py + 0.5) / size;
    for (let px = 0; px < size; px++) {
      const p = py * size + px;
      if (region.data[p] !== 0) continue;
      const x = (px + 0.5) / size;
      outside[p] = shapes.every((shape) => distanceToEdge(shape, x, y) >= limit) ? 255 : 0;
    }
  }
  return tensor("u8", [size, size], outside);
}
