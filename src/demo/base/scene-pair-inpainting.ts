/**
 * One captioned in-painting example on a wide canvas: two scenes side by side (size x 2 size), as
 * the diptych an edit runs on. Real FLUX.1 Fill has seen wide images, collages and repeated
 * content, and ICEdit builds on exactly that in-context ability; a base trained on square scenes
 * alone has never seen the diptych's right-hand positions nor a picture that repeats itself. So
 * half of the pairs show the same scene twice (captioned as such), half two independent scenes,
 * and the mask is the whole right image, the whole left image, or an in-painting mask of
 * drawInpaintingMask (rectangle, half, shape) inside one of the two. Copy pairs (sceneCopyInpainting)
 * are always the same scene twice, with the right image, the left image or a region inside one
 * masked: the in-context copying that an edit relies on, learnt without any edit. Never an edit:
 * the two sides of a pair are either identical or unrelated.
 */
import type { Mask } from "../../image/rgb.js";
import { Prng } from "../../numeric/prng.js";
import { tensor } from "../../tensor.js";
import { trainingDiptych } from "../../train/data/training-diptych.js";
import { captionOf } from "../scenes/caption.js";
import { drawInpaintingMask, INPAINTING_MASK_KINDS } from "../scenes/inpainting-masks.js";
import { pickOne } from "../scenes/random.js";
import { renderScene } from "../scenes/render.js";
import { drawScene } from "../scenes/sample-scene.js";
import type { Scene } from "../scenes/scene.js";
import type { SceneInpainting } from "./scene-inpainting.js";

export const PAIR_MASK_KINDS = ["right image", "left image", "inside one image"] as const;
/** The mask kinds of copy pairs, by index. */
export const COPY_MASK_KINDS = ["right image", "left image", "inside one image"] as const;
export type PairMaskKind = (typeof PAIR_MASK_KINDS)[number];

/** The caption of a pair: the same scene twice, or each side's own. */
export function pairCaption(left: Scene, right: Scene | "same"): string {
  return right === "same"
    ? `two side-by-side images of the same scene, ${captionOf(left)}`
    : `two side-by-side images, on the left ${captionOf(left)}, on the right ${captionOf(right)}`;
}

/** mask: [size, 2 size] u8, `inner` ([size, size]) placed on one side (0 elsewhere). */
function placeMask(inner: Mask, size: number, side: "left" | "right"): Mask {
  const data = new Uint8Array(size * 2 * size);
  const offset = side === "left" ? 0 : size;
  for (let y = 0; y < size; y++) data.set(inner.data.subarray(y * size, (y + 1) * size), y * 2 * size + offset);
  return tensor("u8", [size, 2 * size], data);
}

function sideMask(size: number, side: "left" | "right"): Mask {
  return placeMask(tensor("u8", [size, size], new Uint8Array(size * size).fill(255)), size, side);
}

/**
 * Example `index` of a seed range: from Prng(seed), the left scene, same-or-not (1/2), the right
 * scene when not the same, then the mask of kind PAIR_MASK_KINDS[index % 3]. image [size, 2 size, 3].
 */
export async function scenePairInpainting(seed: number, index: number, size: number): Promise<SceneInpainting> {
  const prng = new Prng(seed);
  const left = drawScene(prng);
  const same = prng.uniform() < 0.5;
  const right = same ? left : drawScene(prng);
  return pairExample(prng, { left, right, same, seed, size }, PAIR_MASK_KINDS[index % PAIR_MASK_KINDS.length] as PairMaskKind);
}

/** Example `index` of a seed range of copy pairs: the scene of Prng(seed) twice, the mask of kind COPY_MASK_KINDS[index % 3]. */
export async function sceneCopyInpainting(seed: number, index: number, size: number): Promise<SceneInpainting> {
  const prng = new Prng(seed);
  const scene = drawScene(prng);
  const kind = COPY_MASK_KINDS[index % COPY_MASK_KINDS.length] as PairMaskKind;
  return pairExample(prng, { left: scene, right: scene, same: true, seed, size }, kind);
}

interface DrawnPair {
  readonly left: Scene;
  readonly right: Scene;
  readonly same: boolean;
  readonly seed: number;
  readonly size: number;
}

async function pairExample(prng: Prng, pair: DrawnPair, kind: PairMaskKind): Promise<SceneInpainting> {
  const { left, right, same, seed, size } = pair;
  let mask: Mask;
  if (kind === "right image") mask = sideMask(size, "right");
  else if (kind === "left image") mask = sideMask(size, "left");
  else {
    const side = prng.uniform() < 0.5 ? "left" : "right";
    const innerKind = pickOne(prng, INPAINTING_MASK_KINDS) ?? "rectangle";
    mask = placeMask(drawInpaintingMask(prng, side === "left" ? left : right, innerKind, size), size, side);
  }
  const { image } = await trainingDiptych(renderScene(left, { size }), renderScene(right, { size }), size);
  return { image, mask, caption: pairCaption(left, same ? "same" : right), maskKind: kind, seed };
}
