/**
 * The four edits of the world, as data, and how each changes a scene. Only the edited attribute
 * changes: kept shapes are copied as they are (same objects, same numbers), so the target renders
 * the kept geometry exactly as the source does.
 */
import { type ColourName, type Corner, COLOUR_NAMES, type ShapeKind } from "./palette.js";
import { InvalidEditError } from "./errors.js";
import { checkScene, pairIsFree, SCENE_RULES, type Scene, type Shape } from "./scene.js";

export const EDIT_KINDS = ["recolour", "remove", "background", "add"] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

export type SceneEdit =
  | { readonly kind: "recolour"; readonly index: number; readonly to: ColourName }
  | { readonly kind: "remove"; readonly index: number }
  | { readonly kind: "background"; readonly to: ColourName }
  | { readonly kind: "add"; readonly shape: Shape; readonly corner: Corner };

/** The inset of an added shape's box from the canvas edges at its corner (canvas units). */
export const CORNER_INSET = SCENE_RULES.minGap;

/** A shape of this kind, colour and size with its box in `corner`, CORNER_INSET from both edges. */
export function shapeInCorner(kind: ShapeKind, colour: ColourName, size: number, corner: Corner): Shape {
  const near = CORNER_INSET + size / 2;
  const far = 1 - near;
  return {
    kind,
    colour,
    size,
    centre: { x: corner.endsWith("left") ? near : far, y: corner.startsWith("top") ? near : far },
  };
}

function shapeAt(scene: Scene, index: number): Shape {
  const shape = scene.shapes[index];
  if (shape === undefined) throw new InvalidEditError(`the scene has no shape ${index} (it has ${scene.shapes.length})`);
  return shape;
}

/** The scene after the edit; throws InvalidEditError (or InvalidSceneError) when the result breaks a rule. */
export function applyEdit(scene: Scene, edit: SceneEdit): Scene {
  switch (edit.kind) {
    case "recolour": {
      const shape = shapeAt(scene, edit.index);
      if (edit.to === shape.colour) throw new InvalidEditError(`the ${shape.colour} ${shape.kind} is ${edit.to} already`);
      const shapes = scene.shapes.map((s, i) => (i === edit.index ? { ...s, colour: edit.to } : s));
      return checkScene({ ...scene, shapes });
    }
    case "remove":
      shapeAt(scene, edit.index);
      return checkScene({ ...scene, shapes: scene.shapes.filter((_, i) => i !== edit.index) });
    case "background":
      if (edit.to === scene.background) throw new InvalidEditError(`the background is ${edit.to} already`);
      return checkScene({ ...scene, background: edit.to });
    case "add":
      return checkScene({ ...scene, shapes: [...scene.shapes, edit.shape] });
  }
}

/** The edited shape's index in the source (recolour, remove) or the target (add); null for background. */
export function editedShapeIndex(scene: Scene, edit: SceneEdit): number | null {
  switch (edit.kind) {
    case "recolour":
    case "remove":
      return edit.index;
    case "add":
      return scene.shapes.length;
    case "background":
      return null;
  }
}

/** Every colour a recoloured shape may take: another colour, not the background's, its kind not paired with it yet. */
export function recolourChoices(scene: Scene, index: number): ColourName[] {
  const shape = shapeAt(scene, index);
  return COLOUR_NAMES.filter((c) => c !== shape.colour && pairIsFree(scene, c, shape.kind, index));
}

/** Every colour the background may take: another colour that no shape has. */
export function backgroundChoices(scene: Scene): ColourName[] {
  return COLOUR_NAMES.filter((c) => c !== scene.background && scene.shapes.every((s) => s.colour !== c));
}
