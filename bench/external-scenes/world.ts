/**
 * Issue 15's world as its text states it, written out here again on purpose (this drawer shares no
 * code with src/demo/scenes): six colours with their RGB values, three kinds, four corners, and
 * the four instruction forms, verbatim.
 */
export const PALETTE = {
  red: [220, 40, 40],
  green: [40, 180, 60],
  blue: [40, 80, 220],
  yellow: [240, 210, 40],
  white: [245, 245, 245],
  black: [20, 20, 20],
} as const;

export type Colour = keyof typeof PALETTE;
export const COLOURS = Object.keys(PALETTE) as Colour[];
export const KINDS = ["circle", "square", "triangle"] as const;
export type Kind = (typeof KINDS)[number];
export const CORNER_NAMES = ["top left", "top right", "bottom left", "bottom right"] as const;
export type CornerName = (typeof CORNER_NAMES)[number];
export const EDIT_FORMS = ["recolour", "remove", "background", "add"] as const;
export type EditForm = (typeof EDIT_FORMS)[number];

/** A filled shape in pixel units: its box is [x, x + side] x [y, y + side] (the triangle's apex at the top middle). */
export interface Figure {
  readonly kind: Kind;
  readonly colour: Colour;
  readonly x: number;
  readonly y: number;
  readonly side: number;
}

export interface Picture {
  readonly size: number;
  readonly background: Colour;
  readonly figures: readonly Figure[];
}

export type Instruction =
  | { readonly form: "recolour"; readonly figure: Figure; readonly to: Colour }
  | { readonly form: "remove"; readonly figure: Figure }
  | { readonly form: "background"; readonly to: Colour }
  | { readonly form: "add"; readonly figure: Figure; readonly corner: CornerName };

/** The instruction's words, in the four forms. */
export function wordsOf(instruction: Instruction): string {
  switch (instruction.form) {
    case "recolour":
      return `make the ${instruction.figure.colour} ${instruction.figure.kind} ${instruction.to}`;
    case "remove":
      return `remove the ${instruction.figure.colour} ${instruction.figure.kind}`;
    case "background":
      return `make the background ${instruction.to}`;
    case "add":
      return `add a ${instruction.figure.colour} ${instruction.figure.kind} in the ${instruction.corner} corner`;
  }
}

/** The picture after the instruction: only the named attribute changes, every other figure is the same object. */
export function applyInstruction(picture: Picture, instruction: Instruction): Picture {
  switch (instruction.form) {
    case "recolour":
      return { ...picture, figures: picture.figures.map((f) => (f === instruction.figure ? { ...f, colour: instruction.to } : f)) };
    case "remove":
      return { ...picture, figures: picture.figures.filter((f) => f !== instruction.figure) };
    case "background":
      return { ...picture, background: instruction.to };
    case "add":
      return { ...picture, figures: [...picture.figures, instruction.figure] };
  }
}
