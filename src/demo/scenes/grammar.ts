/**
 * The words of the world: instruction text in the four forms (lower case, verbatim),
 * a regular expression that accepts exactly those forms, and the vocabulary the instructions and
 * captions (caption.ts) use, for the tokenizers.
 */
import type { SceneEdit } from "./edits.js";
import { InvalidEditError } from "./errors.js";
import { COLOUR_NAMES, CORNERS, SHAPE_KINDS } from "./palette.js";
import type { Scene } from "./scene.js";

/** The instruction of an edit of `scene` (the source scene). */
export function instructionOf(scene: Scene, edit: SceneEdit): string {
  switch (edit.kind) {
    case "recolour": {
      const shape = scene.shapes[edit.index];
      if (shape === undefined) throw new InvalidEditError(`the scene has no shape ${edit.index}`);
      return `make the ${shape.colour} ${shape.kind} ${edit.to}`;
    }
    case "remove": {
      const shape = scene.shapes[edit.index];
      if (shape === undefined) throw new InvalidEditError(`the scene has no shape ${edit.index}`);
      return `remove the ${shape.colour} ${shape.kind}`;
    }
    case "background":
      return `make the background ${edit.to}`;
    case "add":
      return `add a ${edit.shape.colour} ${edit.shape.kind} in the ${edit.corner} corner`;
  }
}

const COLOUR = `(${COLOUR_NAMES.join("|")})`;
const KIND = `(${SHAPE_KINDS.join("|")})`;
const CORNER = `(${CORNERS.join("|")})`;

/** Each instruction form as an anchored pattern; groups capture the colours, kind and corner. */
export const INSTRUCTION_PATTERNS = {
  recolour: new RegExp(`^make the ${COLOUR} ${KIND} ${COLOUR}$`),
  remove: new RegExp(`^remove the ${COLOUR} ${KIND}$`),
  background: new RegExp(`^make the background ${COLOUR}$`),
  add: new RegExp(`^add a ${COLOUR} ${KIND} in the ${CORNER} corner$`),
} as const;

/** Every word instructions and captions can use, sorted. */
export const SCENE_VOCABULARY: readonly string[] = [
  ...new Set([
    ..."make the remove background add a in corner and on".split(" "),
    ...COLOUR_NAMES,
    ...SHAPE_KINDS,
    ...CORNERS.flatMap((c) => c.split(" ")),
  ]),
].sort();
