/**
 * The pixel rule that scores one edit of the demo world (issue 15, item 5):
 *   inside the edited region, at least 80% of pixels within 60 (max over channels of |difference|)
 *   of the TARGET; outside it (the `outside` mask: 2 px away from every shape edge, see
 *   outside-mask.ts), at least 95% of pixels within 40 of the SOURCE.
 *
 * Sizes: `icedit edit` returns the right half of the diptych at the edit size (width 512 by
 * default, height a multiple of 16: src/image/edit-size.ts) and does not resize it back. The rule
 * compares at the SOURCE's size: an edited image of another size is resized to the source's size
 * with the project's resizer (sharp, lanczos3) before scoring. Source, target and masks must
 * share one size.
 */
import type { Tensor } from "../../tensor.js";
import { checkRgbImage, resizeImage, type Mask, type RgbImage } from "../../image/index.js";
import { ScoreInputError } from "./errors.js";
import { pixelDistance } from "./palette.js";

export const SCORE_RULE = {
  insideTolerance: 60,
  insideFraction: 0.8,
  outsideTolerance: 40,
  outsideFraction: 0.95,
} as const;

export interface EditImages {
  /** [H, W, 3] u8: the scene before the edit. */
  readonly source: RgbImage;
  /** [H, W, 3] u8: the scene drawn exactly as the edit should leave it. */
  readonly target: RgbImage;
  /** [h, w, 3] u8: the model's edit; resized to [H, W] when its size differs. */
  readonly edited: RgbImage;
  /** [H, W] u8, nonzero: the edited region (the pixels that should change). */
  readonly region: Mask;
  /** [H, W] u8, nonzero: the pixels that must be kept (outside the region, 2 px from every shape edge). */
  readonly outside: Mask;
}

export interface EditScore {
  /** Fraction of region pixels within 60 of the target (NaN for an empty region). */
  readonly inside: number;
  /** Fraction of outside pixels within 40 of the source (NaN for an empty outside mask). */
  readonly outside: number;
  readonly insidePixels: number;
  readonly outsidePixels: number;
  readonly passed: boolean;
  /** Why it failed ("" when it passed). */
  readonly reason: string;
  /** Whether the edited image had to be resized to the source's size. */
  readonly resized: boolean;
}

/** Scores an edit by the rule above, at the source's size. */
export async function scoreEdit(images: EditImages): Promise<EditScore> {
  const source = checkRgbImage(images.source, "source");
  const edited = checkRgbImage(images.edited, "edited image");
  const resized = edited.width !== source.width || edited.height !== source.height;
  const atSourceSize = resized ? await resizeImage(images.edited, source.width, source.height) : images.edited;
  return { ...scoreSameSize({ ...images, edited: atSourceSize }), resized };
}

/** The rule on images of one size (no resizing): what scoreEdit runs after resizing. */
export function scoreSameSize(images: EditImages): Omit<EditScore, "resized"> {
  const source = checkRgbImage(images.source, "source");
  const size = { width: source.width, height: source.height };
  const target = checkSameSize(images.target, "target", size);
  const edited = checkSameSize(images.edited, "edited image", size);
  const region = checkMask(images.region, "region", size);
  const outside = checkMask(images.outside, "outside mask", size);

  let insidePixels = 0;
  let insideNear = 0;
  let outsidePixels = 0;
  let outsideNear = 0;
  for (let i = 0; i < region.length; i++) {
    if (region[i]) {
      insidePixels++;
      if (pixelDistance(edited, target, i) <= SCORE_RULE.insideTolerance) insideNear++;
    }
    if (outside[i] && !region[i]) {
      outsidePixels++;
      if (pixelDistance(edited, source.data, i) <= SCORE_RULE.outsideTolerance) outsideNear++;
    }
  }
  const inside = insidePixels === 0 ? Number.NaN : insideNear / insidePixels;
  const kept = outsidePixels === 0 ? Number.NaN : outsideNear / outsidePixels;
  const reasons: string[] = [];
  if (insidePixels === 0) reasons.push("the edited region is empty");
  else if (inside < SCORE_RULE.insideFraction)
    reasons.push(
      `${percent(inside)} of the region is within ${SCORE_RULE.insideTolerance} of the target (needs ${percent(SCORE_RULE.insideFraction)})`,
    );
  if (outsidePixels === 0) reasons.push("the outside mask is empty");
  else if (kept < SCORE_RULE.outsideFraction)
    reasons.push(
      `${percent(kept)} of the outside is within ${SCORE_RULE.outsideTolerance} of the source (needs ${percent(SCORE_RULE.outsideFraction)})`,
    );
  return { inside, outside: kept, insidePixels, outsidePixels, passed: reasons.length === 0, reason: reasons.join("; ") };
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function checkSameSize(image: Tensor, what: string, size: { width: number; height: number }): Uint8Array {
  const view = checkRgbImage(image, what);
  if (view.width !== size.width || view.height !== size.height)
    throw new ScoreInputError(
      `the ${what} is ${view.width}x${view.height}, the source ${size.width}x${size.height}: draw it at the source's size`,
    );
  return view.data;
}

function checkMask(mask: Tensor, what: string, size: { width: number; height: number }): Uint8Array {
  const { dtype, dims, data } = mask;
  if (dtype !== "u8" || !(data instanceof Uint8Array) || dims.length !== 2)
    throw new ScoreInputError(`the ${what} must be a u8 tensor of dims [H, W], got ${dtype} [${dims.join(", ")}]`);
  if (dims[0] !== size.height || dims[1] !== size.width || data.length !== size.width * size.height)
    throw new ScoreInputError(
      `the ${what} is [${dims.join(", ")}], the source [${size.height}, ${size.width}]: make it at the source's size`,
    );
  return data;
}
