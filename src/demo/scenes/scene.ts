/**
 * The scene model: plain data. Coordinates are in canvas units, where the canvas is the square
 * [0, 1] x [0, 1] (x to the right, y down) whatever its pixel size, so one scene renders at any
 * size. A shape is its kind, colour, centre and size (circle: diameter; square: side; upright
 * triangle: base and height, apex at the top centre, base at the bottom of the size x size box).
 *
 * "The same geometry": an edit copies every kept shape's kind, centre and size bit for bit and
 * changes one attribute only, so the kept shapes' pixels of the target are computed by the same
 * arithmetic as the source's (see render.ts) and render identically.
 */
import type { ColourName, ShapeKind } from "./palette.js";
import { COLOUR_NAMES, SHAPE_KINDS } from "./palette.js";
import { InvalidSceneError } from "./errors.js";

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Shape {
  readonly kind: ShapeKind;
  readonly colour: ColourName;
  readonly centre: Point;
  /** Width (and height) of the shape's box, as a fraction of the canvas width. */
  readonly size: number;
}

export interface Scene {
  readonly background: ColourName;
  readonly shapes: readonly Shape[];
}

/** The rules of the world. */
export const SCENE_RULES = {
  minShapes: 1,
  maxShapes: 3,
  minSize: 1 / 6,
  maxSize: 1 / 3,
  /** The smallest gap between two shapes' boxes (canvas units): keeps anti-aliased edges apart. */
  minGap: 1 / 32,
} as const;

/** A shape's bounding box [left, top, right, bottom] in canvas units. */
export function shapeBox(shape: Shape): readonly [number, number, number, number] {
  const h = shape.size / 2;
  return [shape.centre.x - h, shape.centre.y - h, shape.centre.x + h, shape.centre.y + h];
}

/** Whether the boxes of a and b are at least `gap` apart along x or along y. */
export function boxesApart(a: Shape, b: Shape, gap: number = SCENE_RULES.minGap): boolean {
  const [al, at, ar, ab] = shapeBox(a);
  const [bl, bt, br, bb] = shapeBox(b);
  return bl - ar >= gap || al - br >= gap || bt - ab >= gap || at - bb >= gap;
}

/** Whether `shape`'s box lies in the canvas. */
export function insideCanvas(shape: Shape): boolean {
  const [l, t, r, b] = shapeBox(shape);
  return l >= 0 && t >= 0 && r <= 1 && b <= 1;
}

/** Every rule the scene breaks, in words (empty when the scene is valid). */
export function sceneProblems(scene: Scene): string[] {
  const problems: string[] = [];
  const { shapes, background } = scene;
  if (!COLOUR_NAMES.includes(background)) problems.push(`unknown background colour ${String(background)}`);
  if (shapes.length < SCENE_RULES.minShapes || shapes.length > SCENE_RULES.maxShapes) {
    problems.push(`${shapes.length} shapes (a scene has ${SCENE_RULES.minShapes} to ${SCENE_RULES.maxShapes})`);
  }
  const pairs = new Set<string>();
  shapes.forEach((shape, i) => {
    const name = `shape ${i} (${shape.colour} ${shape.kind})`;
    if (!SHAPE_KINDS.includes(shape.kind)) problems.push(`${name}: unknown kind`);
    if (!COLOUR_NAMES.includes(shape.colour)) problems.push(`${name}: unknown colour`);
    if (shape.colour === background) problems.push(`${name}: has the background's colour`);
    if (!(shape.size >= SCENE_RULES.minSize && shape.size <= SCENE_RULES.maxSize)) {
      problems.push(`${name}: size ${shape.size} is outside [1/6, 1/3] of the canvas`);
    }
    if (!insideCanvas(shape)) problems.push(`${name}: leaves the canvas`);
    const pair = `${shape.colour} ${shape.kind}`;
    if (pairs.has(pair)) problems.push(`${name}: a second ${pair}`);
    pairs.add(pair);
    for (let j = 0; j < i; j++) {
      if (!boxesApart(shapes[j] as Shape, shape)) problems.push(`${name} overlaps or touches shape ${j}`);
    }
  });
  return problems;
}

export function checkScene(scene: Scene): Scene {
  const problems = sceneProblems(scene);
  if (problems.length > 0) throw new InvalidSceneError(problems);
  return scene;
}

/** Whether a shape of this colour and kind may join the scene (not the background, not already there). */
export function pairIsFree(scene: Scene, colour: ColourName, kind: ShapeKind, except = -1): boolean {
  if (colour === scene.background) return false;
  return scene.shapes.every((s, i) => i === except || s.colour !== colour || s.kind !== kind);
}
