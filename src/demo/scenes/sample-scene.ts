/**
 * Drawing a valid scene from a seed: a background colour, 1 to 3 shapes (count uniform), each of a
 * kind and colour (not the background's, no colour and kind twice), a size uniform in [1/6, 1/3]
 * of the canvas and a centre uniform over the places where its box fits the canvas; a placement
 * that comes within the minimum gap of an earlier shape is redrawn (the whole scene is redrawn from
 * the same stream if a shape finds no place in 100 tries).
 */
import { Prng } from "../../numeric/prng.js";
import { COLOUR_NAMES, SHAPE_KINDS } from "./palette.js";
import { pickOne, randomIndex, uniformIn } from "./random.js";
import { boxesApart, checkScene, pairIsFree, SCENE_RULES, type Scene, type Shape } from "./scene.js";

const PLACEMENT_TRIES = 100;

function drawShape(prng: Prng, scene: Scene): Shape | null {
  const kind = pickOne(prng, SHAPE_KINDS) ?? "circle";
  const colours = COLOUR_NAMES.filter((c) => pairIsFree(scene, c, kind));
  const colour = pickOne(prng, colours);
  if (colour === null) return null;
  for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
    const size = uniformIn(prng, SCENE_RULES.minSize, SCENE_RULES.maxSize);
    const h = size / 2;
    const shape: Shape = { kind, colour, size, centre: { x: uniformIn(prng, h, 1 - h), y: uniformIn(prng, h, 1 - h) } };
    if (scene.shapes.every((other) => boxesApart(other, shape))) return shape;
  }
  return null;
}

/** Draws a scene from `prng`'s stream (it advances the generator). */
export function drawScene(prng: Prng): Scene {
  for (;;) {
    const count = SCENE_RULES.minShapes + randomIndex(prng, SCENE_RULES.maxShapes - SCENE_RULES.minShapes + 1);
    let scene: Scene = { background: pickOne(prng, COLOUR_NAMES) ?? "white", shapes: [] };
    for (let i = 0; i < count; i++) {
      const shape = drawShape(prng, scene);
      if (shape === null) break;
      scene = { ...scene, shapes: [...scene.shapes, shape] };
    }
    if (scene.shapes.length === count) return checkScene(scene);
  }
}

/** The scene of a seed. */
export function sampleScene(seed: number): Scene {
  return drawScene(new Prng(seed));
}

/** Scene seeds from this one on are held out for evaluation: training sets draw from 0 up, far below. */
export const HELD_OUT_FIRST_SEED = 1_000_000;
