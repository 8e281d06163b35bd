/**
 * Where several reference images sit on RoPE's axes when Kontext takes them all (each reference
 * has its own tokens, appended in order after the noisy ones). Two placements are in use:
 *  - "offset" (ComfyUI's default, stable-diffusion.cpp's): every reference has first-axis index 1,
 *    tiled on one grid as if stitched into one image: each next one goes to the right of what is
 *    placed so far, or below it, whichever keeps the mosaic closer to square (ComfyUI's rule:
 *    right when rows + placed height > cols + placed width, else below). Kontext [dev] was trained
 *    with one reference at index 1, so this is the placement it follows.
 *  - "index": reference k (from 1) has first-axis index k, each at row / col 0 (ComfyUI's
 *    FluxKontextMultiReferenceLatentMethod "index"); meant for models trained that way.
 * With one reference both give (1, row, col), the single-image ids.
 */
import { InvalidArgumentError } from "../../errors.js";
import { imageIds } from "../../models/flux/inputs.js";
import { concatSequence } from "../../sampling/packing.js";
import type { Tensor } from "../../tensor.js";

export const REFERENCE_PLACEMENTS = ["offset", "index"] as const;
export type ReferencePlacement = (typeof REFERENCE_PLACEMENTS)[number];
/** ComfyUI's default, the one the released Kontext [dev] follows. */
export const DEFAULT_REFERENCE_PLACEMENT: ReferencePlacement = "offset";

/** The first RoPE axis of the (first) condition image's tokens (the noisy tokens have 0). */
export const CONDITION_INDEX = 1;

/** A reference's packed token grid (its latent's height and width over 2). */
export interface TokenGrid {
  readonly rows: number;
  readonly cols: number;
}

/** Where one reference's grid starts: its first-axis index and its top-left (row, col). */
export interface ReferencePosition {
  readonly index: number;
  readonly row: number;
  readonly col: number;
}

export function checkReferencePlacement(value: unknown): ReferencePlacement {
  if (typeof value === "string" && (REFERENCE_PLACEMENTS as readonly string[]).includes(value)) return value as ReferencePlacement;
  throw new InvalidArgumentError(`the reference placement is one of ${REFERENCE_PLACEMENTS.join(", ")}, got ${JSON.stringify(value)}`);
}

/** The position of each grid, in order, under `placement`. */
export function referencePositions(grids: readonly TokenGrid[], placement: ReferencePlacement): ReferencePosition[] {
  checkReferencePlacement(placement);
  if (placement === "index") return grids.map((_, k) => ({ index: CONDITION_INDEX + k, row: 0, col: 0 }));
  let height = 0;
  let width = 0;
  return grids.map(({ rows, cols }) => {
    const right = rows + height > cols + width;
    const row = right ? 0 : height;
    const col = right ? width : 0;
    height = Math.max(height, row + rows);
    width = Math.max(width, col + cols);
    return { index: CONDITION_INDEX, row, col };
  });
}

/** The ids of every reference's tokens, in order: [batch, sum of rows * cols, 3]. */
export function referenceIds(batch: number, grids: readonly TokenGrid[], placement: ReferencePlacement): Tensor<"f32"> {
  if (grids.length === 0) throw new InvalidArgumentError("Kontext needs at least one reference image");
  const positions = referencePositions(grids, placement);
  const parts = grids.map((g, k) => {
    const p = positions[k] as ReferencePosition;
    return imageIds(batch, g.rows, g.cols, p.index, p.row, p.col);
  });
  return parts.length === 1 ? (parts[0] as Tensor<"f32">) : concatSequence(parts);
}
