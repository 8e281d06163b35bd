/**
 * What the rule judge checks for one instruction, found from the SOURCE alone (never the target):
 * the pixels that should take a wanted colour, and the pixels that should stay as they were.
 *   recolour / remove: the named shape (a component of its colour whose fill of its bounding box
 *     best matches its kind) should become colour2 / the background colour;
 *   background: the background's pixels should become the new colour;
 *   add: somewhere in the named corner's quadrant, over the background, a shape's worth of new
 *     pixels of the colour should appear (between a small triangle's and a large square's area).
 * The kept pixels are all others, 2 px away from the changed ones (the add: outside the quadrant).
 */
import type { RgbView } from "../../image/index.js";
import { RuleJudgeError } from "./errors.js";
import type { Corner, DemoInstruction, ShapeKind } from "./instruction.js";
import { COLOURS, type ColourName, type Rgb } from "./palette.js";
import { backgroundColour, colourMask, components, dilate, kindMismatch } from "./segment.js";

/** Shapes are 1/6 to 1/3 of the canvas width (issue 15). */
const SMALLEST_SIDE = 1 / 6;
const LARGEST_SIDE = 1 / 3;

export interface JudgeTask {
  /** [H * W] 1 where a pixel should become `wanted`. */
  readonly region: Uint8Array;
  readonly wanted: Rgb;
  /** [H * W] 1 where a pixel should stay as in the source. */
  readonly keep: Uint8Array;
  /** An add: how many new pixels a shape may cover, and its kind. */
  readonly add?: { readonly minArea: number; readonly maxArea: number; readonly shape: ShapeKind };
}

export function judgeTask(instruction: DemoInstruction, source: RgbView): JudgeTask {
  const { width, height } = source;
  const background = backgroundColour(source);
  switch (instruction.kind) {
    case "recolour":
    case "remove": {
      const region = locateShape(source, instruction.colour, instruction.shape, background);
      const wanted = instruction.kind === "recolour" ? COLOURS[instruction.to] : COLOURS[background];
      return { region, wanted, keep: invert(dilate(region, width, height, 2)) };
    }
    case "background": {
      const region = colourMask(source, background);
      return { region, wanted: COLOURS[instruction.to], keep: invert(dilate(region, width, height, 2)) };
    }
    case "add": {
      if (instruction.colour === background)
        throw new RuleJudgeError(`a ${instruction.colour} ${instruction.shape} added on a ${background} background cannot be seen`);
      const quadrant = quadrantMask(width, height, instruction.corner);
      const onBackground = colourMask(source, background);
      const region = quadrant.map((q, i) => (q && onBackground[i] ? 1 : 0));
      const smallest = SMALLEST_SIDE * width;
      const largest = LARGEST_SIDE * width;
      const add = { minArea: 0.5 * smallest * smallest, maxArea: largest * largest, shape: instruction.shape };
      return { region, wanted: COLOURS[instruction.colour], keep: invert(quadrant), add };
    }
  }
}

/** The pixels of the shape of `colour` and `kind` in the source. */
function locateShape(source: RgbView, colour: ColourName, kind: ShapeKind, background: ColourName): Uint8Array {
  if (colour === background)
    throw new RuleJudgeError(`the instruction names a ${colour} ${kind}, but the background is ${colour} too: the shape cannot be found`);
  const smallest = SMALLEST_SIDE * source.width;
  const minPixels = 0.25 * 0.5 * smallest * smallest;
  const candidates = components(colourMask(source, colour), source.width, source.height).filter((c) => c.pixels.length >= minPixels);
  if (candidates.length === 0)
    throw new RuleJudgeError(`the instruction names a ${colour} ${kind}, but the source shows no ${colour} shape: is it the right image?`);
  const best = candidates.reduce((a, b) => (kindMismatch(b, kind) < kindMismatch(a, kind) ? b : a));
  const mask = new Uint8Array(source.width * source.height);
  for (const i of best.pixels) mask[i] = 1;
  return mask;
}

function quadrantMask(width: number, height: number, corner: Corner): Uint8Array {
  const top = corner.startsWith("top");
  const left = corner.endsWith("left");
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    if (top !== y < height / 2) continue;
    for (let x = 0; x < width; x++) if (left === x < width / 2) mask[y * width + x] = 1;
  }
  return mask;
}

function invert(mask: Uint8Array): Uint8Array {
  return mask.map((v) => (v ? 0 : 1));
}
