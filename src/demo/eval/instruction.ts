/**
 * The demo world's instructions (issue 15), exactly four lower-case forms:
 *   make the {colour} {shape} {colour2} | remove the {colour} {shape} |
 *   make the background {colour} | add a {colour} {shape} in the {corner} corner
 */
import { InstructionGrammarError } from "./errors.js";
import { CORNERS, SHAPE_KINDS, type Corner, type ShapeKind } from "../scenes/palette.js";
import { COLOUR_NAMES, type ColourName } from "./palette.js";

export { CORNERS, SHAPE_KINDS, type Corner, type ShapeKind };

export { EDIT_KINDS, type EditKind } from "../scenes/edits.js";

export type DemoInstruction =
  | { readonly kind: "recolour"; readonly colour: ColourName; readonly shape: ShapeKind; readonly to: ColourName }
  | { readonly kind: "remove"; readonly colour: ColourName; readonly shape: ShapeKind }
  | { readonly kind: "background"; readonly to: ColourName }
  | { readonly kind: "add"; readonly colour: ColourName; readonly shape: ShapeKind; readonly corner: Corner };

const COLOUR = `(${COLOUR_NAMES.join("|")})`;
const SHAPE = `(${SHAPE_KINDS.join("|")})`;
const CORNER = `(${CORNERS.join("|")})`;

const FORMS: readonly { pattern: RegExp; build: (m: readonly string[]) => DemoInstruction }[] = [
  {
    pattern: new RegExp(`^make the background ${COLOUR}$`),
    build: (m) => ({ kind: "background", to: m[1] as ColourName }),
  },
  {
    pattern: new RegExp(`^make the ${COLOUR} ${SHAPE} ${COLOUR}$`),
    build: (m) => ({ kind: "recolour", colour: m[1] as ColourName, shape: m[2] as ShapeKind, to: m[3] as ColourName }),
  },
  {
    pattern: new RegExp(`^remove the ${COLOUR} ${SHAPE}$`),
    build: (m) => ({ kind: "remove", colour: m[1] as ColourName, shape: m[2] as ShapeKind }),
  },
  {
    pattern: new RegExp(`^add a ${COLOUR} ${SHAPE} in the ${CORNER} corner$`),
    build: (m) => ({ kind: "add", colour: m[1] as ColourName, shape: m[2] as ShapeKind, corner: m[3] as Corner }),
  },
];

/** Parses one instruction of the grammar; anything else (other words, case, spacing) is refused. */
export function parseInstruction(text: string): DemoInstruction {
  for (const form of FORMS) {
    const match = form.pattern.exec(text);
    if (match) return form.build(match);
  }
  throw new InstructionGrammarError(
    `${JSON.stringify(text)} is not an instruction of the demo world; use one of: "make the {colour} {shape} {colour2}", ` +
      `"remove the {colour} {shape}", "make the background {colour}", "add a {colour} {shape} in the {corner} corner" ` +
      `(lower case, single spaces; colours ${COLOUR_NAMES.join(", ")}; shapes ${SHAPE_KINDS.join(", ")}; corners ${CORNERS.join(", ")})`,
  );
}
