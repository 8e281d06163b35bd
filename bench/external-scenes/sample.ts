/**
 * The external drawer's sampler, from issue 15's grammar text: a plain background, 1 to 3 figures
 * (count uniform) that do not overlap (their boxes GAP px apart), each of a side uniform in
 * [size/6, size/3] and a box placed uniformly inside the canvas, no two sharing both colour and kind,
 * none of the background's colour. Then one instruction of the wanted form:
 *   recolour: a figure to another colour (not the background's, its kind not already in that colour);
 *   remove: a figure, when at least two (a scene keeps one);
 *   background: a colour no figure has;
 *   add: a new colour and kind, a side uniform in [size/6, size/3], its box 1 to size/16 px from
 *        the named corner's two edges (the instruction names no size, so it varies, as anyone's would).
 * A scene that admits no instruction of the form is drawn again.
 */
import type { XorShift32 } from "./rng.js";
import {
  applyInstruction,
  COLOURS,
  CORNER_NAMES,
  KINDS,
  type Colour,
  type EditForm,
  type Figure,
  type Instruction,
  type Kind,
  type Picture,
} from "./world.js";

/** The least gap between two figures' boxes, in pixels. */
export const GAP = 3;
const TRIES = 200;

export interface DrawnEdit {
  readonly source: Picture;
  readonly target: Picture;
  readonly instruction: Instruction;
}

const apart = (a: Figure, b: Figure): boolean =>
  a.x + a.side + GAP <= b.x || b.x + b.side + GAP <= a.x || a.y + a.side + GAP <= b.y || b.y + b.side + GAP <= a.y;

const free = (picture: Picture, colour: Colour, kind: Kind, except?: Figure): boolean =>
  colour !== picture.background && picture.figures.every((f) => f === except || f.colour !== colour || f.kind !== kind);

function drawPicture(rng: XorShift32, size: number): Picture {
  for (;;) {
    const count = 1 + Math.floor(rng.float() * 3);
    let picture: Picture = { size, background: rng.pick(COLOURS) ?? "white", figures: [] };
    for (let tries = 0; picture.figures.length < count && tries < TRIES; tries++) {
      const kind = rng.pick(KINDS) ?? "circle";
      const colour = rng.pick(COLOURS.filter((c) => free(picture, c, kind)));
      if (colour === undefined) continue;
      const side = rng.between(size / 6, size / 3);
      const figure: Figure = { kind, colour, side, x: rng.between(0, size - side), y: rng.between(0, size - side) };
      if (picture.figures.every((f) => apart(f, figure))) picture = { ...picture, figures: [...picture.figures, figure] };
    }
    if (picture.figures.length === count) return picture;
  }
}

function drawInstruction(rng: XorShift32, picture: Picture, form: EditForm): Instruction | null {
  switch (form) {
    case "recolour": {
      const choices = picture.figures.flatMap((figure) =>
        COLOURS.filter((to) => to !== figure.colour && free(picture, to, figure.kind, figure)).map((to) => ({ figure, to })),
      );
      const choice = rng.pick(choices);
      return choice === undefined ? null : { form, ...choice };
    }
    case "remove": {
      if (picture.figures.length < 2) return null;
      const figure = rng.pick(picture.figures);
      return figure === undefined ? null : { form, figure };
    }
    case "background": {
      const to = rng.pick(COLOURS.filter((c) => c !== picture.background && picture.figures.every((f) => f.colour !== c)));
      return to === undefined ? null : { form, to };
    }
    case "add":
      return drawAdd(rng, picture);
  }
}

function drawAdd(rng: XorShift32, picture: Picture): Instruction | null {
  if (picture.figures.length >= 3) return null;
  const pairs = KINDS.flatMap((kind) => COLOURS.filter((colour) => free(picture, colour, kind)).map((colour) => ({ kind, colour })));
  const pair = rng.pick(pairs);
  if (pair === undefined) return null;
  const { size } = picture;
  for (const corner of rng.shuffled(CORNER_NAMES)) {
    for (let tries = 0; tries < 20; tries++) {
      const side = rng.between(size / 6, size / 3);
      const dx = rng.between(1, size / 16);
      const dy = rng.between(1, size / 16);
      const x = corner.endsWith("left") ? dx : size - dx - side;
      const y = corner.startsWith("top") ? dy : size - dy - side;
      const figure: Figure = { ...pair, side, x, y };
      if (picture.figures.every((f) => apart(f, figure))) return { form: "add", figure, corner };
    }
  }
  return null;
}

/** One scene and an instruction of `form` on it, from `rng`'s stream. */
export function drawEditOf(rng: XorShift32, size: number, form: EditForm): DrawnEdit {
  for (;;) {
    const source = drawPicture(rng, size);
    const instruction = drawInstruction(rng, source, form);
    if (instruction !== null) return { source, target: applyInstruction(source, instruction), instruction };
  }
}
