/**
 * How many of a scenes folder's additions a PERFECT addition of our generator's geometry passes:
 * the shape the instruction names, at ADDED_SHAPE_SIZE and CORNER_INSET from the named corner
 * (exactly what our triplets teach), drawn anti-aliased over the source and scored by the pixel
 * rule with the folder's image-derived masks. The instruction names no size, and another drawer
 * adds at any size from 1/6 to 1/3 of the width, 1 to 8 px from the corner: this share bounds the
 * additions of any model trained on our triplets. On our own triplets every addition passes.
 */
import type { EvalExample } from "../../src/demo/eval/eval-example.js";
import { parseInstruction } from "../../src/demo/eval/instruction.js";
import { scoreSameSize } from "../../src/demo/eval/score.js";
import { ADDED_SHAPE_SIZE } from "../../src/demo/scenes/draw-edit.js";
import { shapeInCorner } from "../../src/demo/scenes/edits.js";
import { rgbOf } from "../../src/demo/scenes/palette.js";
import { DEFAULT_SUBSAMPLES, shapeCoverage } from "../../src/demo/scenes/render.js";
import type { Shape } from "../../src/demo/scenes/scene.js";
import { type RgbImage, rgbImage } from "../../src/image/rgb.js";

export interface PerfectAdditions {
  /** The added shape's side, of the width. */
  readonly addedSize: number;
  readonly passed: number;
  readonly total: number;
}

/** [S, S, 3] u8: `shape` drawn over `image` ([S, S, 3]) by its sub-pixel coverage, as renderScene mixes edges. */
export function drawOver(image: RgbImage, shape: Shape): RgbImage {
  const size = image.dims[1] as number;
  const samples = DEFAULT_SUBSAMPLES * DEFAULT_SUBSAMPLES;
  const counts = shapeCoverage(shape, { size, subsamples: DEFAULT_SUBSAMPLES });
  const colour = rgbOf(shape.colour);
  const data = new Uint8Array(image.data);
  for (let p = 0; p < size * size; p++) {
    const count = counts[p] as number;
    if (count === 0) continue;
    for (let c = 0; c < 3; c++) {
      data[p * 3 + c] = Math.round((count * (colour[c] as number) + (samples - count) * (image.data[p * 3 + c] as number)) / samples);
    }
  }
  return rgbImage(size, size, data);
}

/** The folder's additions, each edited by the perfect addition of side `addedSize` and scored. */
export function perfectAdditions(examples: readonly EvalExample[], addedSize: number = ADDED_SHAPE_SIZE): PerfectAdditions {
  let passed = 0;
  let total = 0;
  for (const { example } of examples) {
    const parsed = parseInstruction(example.instruction);
    if (parsed.kind !== "add") continue;
    const edited = drawOver(example.source, shapeInCorner(parsed.shape, parsed.colour, addedSize, parsed.corner));
    total++;
    if (scoreSameSize({ ...example, edited }).passed) passed++;
  }
  return { addedSize, passed, total };
}
