/**
 * One edit that eval-demo runs and scores: a held-out seed's example (held-out.ts, masks from its
 * Scene) or a triplet read from a scenes folder (scenes-folder.ts, masks from its images). Both
 * carry the same fields, so one evaluation path (evaluate.ts) scores either.
 */
import type { Mask, RgbImage } from "../../image/index.js";
import type { EditKind } from "./instruction.js";

export interface EvalTriplet {
  readonly kind: EditKind;
  readonly instruction: string;
  /** [H, W, 3] u8: the scene before the edit. */
  readonly source: RgbImage;
  /** [H, W, 3] u8: the scene drawn exactly as the edit should leave it. */
  readonly target: RgbImage;
  /** [H, W] u8, nonzero: the pixels that should change. */
  readonly region: Mask;
  /** [H, W] u8, nonzero: the pixels that must be kept (outside the region, 2 px from every shape edge). */
  readonly outside: Mask;
}

export interface EvalExample {
  /** The example's place in the run (0, 1, ...). */
  readonly index: number;
  /** The held-out seed it was drawn from; null for a folder's triplet. */
  readonly seed: number | null;
  /** The source image's file in the scenes folder (as edits.jsonl names it); null for a held-out seed. */
  readonly file: string | null;
  readonly example: EvalTriplet;
}
