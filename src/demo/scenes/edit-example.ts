/**
 * An edit triplet of the synthetic world with its ground truth: source and target images (the
 * target is the edited scene drawn with the same geometry), the instruction, the edit's kind and
 * the masks of the pixel rule.
 */
import { IceditError } from "../../errors.js";
import type { Mask, RgbImage } from "../../image/rgb.js";
import { Prng } from "../../numeric/prng.js";
import { drawEdit } from "./draw-edit.js";
import { editRegion, outsideMask } from "./edit-masks.js";
import { applyEdit, EDIT_KINDS, type EditKind, type SceneEdit } from "./edits.js";
import { instructionOf } from "./grammar.js";
import { randomIndex } from "./random.js";
import { DEFAULT_CANVAS, DEFAULT_SUBSAMPLES, renderScene } from "./render.js";
import { drawScene } from "./sample-scene.js";
import type { Scene } from "./scene.js";

export interface EditExample {
  readonly kind: EditKind;
  readonly instruction: string;
  readonly scene: Scene;
  readonly edit: SceneEdit;
  readonly edited: Scene;
  /** [size, size, 3] u8 */
  readonly source: RgbImage;
  /** [size, size, 3] u8: `edited` drawn */
  readonly target: RgbImage;
  /** [size, size] u8, 255 where the expected colour changes */
  readonly region: Mask;
  /** [size, size] u8, 255 outside the region and 2 px or more from every shape edge */
  readonly outside: Mask;
}

export interface ExampleOptions {
  /** Canvas side in pixels (default 128). */
  readonly size?: number;
  readonly subsamples?: number;
  /** The side of an added shape, canvas units (default ADDED_SHAPE_SIZE). */
  readonly addedSize?: number;
}

/** The example of a given edit of a scene. */
export function editExample(scene: Scene, edit: SceneEdit, options: ExampleOptions = {}): EditExample {
  const size = options.size ?? DEFAULT_CANVAS;
  const subsamples = options.subsamples ?? DEFAULT_SUBSAMPLES;
  const edited = applyEdit(scene, edit);
  const region = editRegion(scene, edited, edit, size, subsamples);
  return {
    kind: edit.kind,
    instruction: instructionOf(scene, edit),
    scene,
    edit,
    edited,
    source: renderScene(scene, { size, subsamples }),
    target: renderScene(edited, { size, subsamples }),
    region,
    outside: outsideMask(region, [...scene.shapes, ...edited.shapes], size),
  };
}

/** The sampler found no scene with a valid edit of the wanted kind (never expected: each kind is common). */
export class NoValidEditError extends IceditError {}

const SCENE_TRIES = 1000;

/**
 * The example of a seed: a scene drawn from Prng(seed) and an edit of `kind` drawn after it; when
 * the scene has no valid edit of that kind (null), the next scene of the same stream is tried.
 * Without `kind`, the kind is drawn uniformly first, then the other kinds in order are tried.
 */
export function sampleEditExample(seed: number, kind?: EditKind, options: ExampleOptions = {}): EditExample {
  const prng = new Prng(seed);
  for (let attempt = 0; attempt < SCENE_TRIES; attempt++) {
    const scene = drawScene(prng);
    const first = kind === undefined ? randomIndex(prng, EDIT_KINDS.length) : EDIT_KINDS.indexOf(kind);
    const kinds = kind === undefined ? EDIT_KINDS.map((_, i) => EDIT_KINDS[(first + i) % EDIT_KINDS.length] as EditKind) : [kind];
    for (const k of kinds) {
      const edit = drawEdit(prng, scene, k, options.addedSize);
      if (edit !== null) return editExample(scene, edit, options);
    }
  }
  throw new NoValidEditError(`no scene of seed ${seed} had a valid ${kind ?? "any"} edit in ${SCENE_TRIES} scenes`);
}
