/**
 * One captioned in-painting example of the shapes world, drawn as writeInpaintingDataset draws
 * example i of its file: the scene and then the mask from Prng(seed), the mask kind
 * INPAINTING_MASK_KINDS[i % 3] (rectangle, half, shape: balanced over a seed range).
 */
import type { Mask, RgbImage } from "../../image/rgb.js";
import { Prng } from "../../numeric/prng.js";
import { captionOf } from "../scenes/caption.js";
import { drawInpaintingMask, INPAINTING_MASK_KINDS, type InpaintingMaskKind } from "../scenes/inpainting-masks.js";
import { renderScene } from "../scenes/render.js";
import { drawScene } from "../scenes/sample-scene.js";

export interface SceneInpainting {
  /** [size, size, 3] u8 ([size, 2 size, 3] for a pair): the whole scene (the in-painting target). */
  readonly image: RgbImage;
  /** [size, size] u8 ([size, 2 size] for a pair): 255 where the model fills in. */
  readonly mask: Mask;
  readonly caption: string;
  /** The mask's kind: an InpaintingMaskKind, or a PairMaskKind for a pair (scene-pair-inpainting.ts). */
  readonly maskKind: string;
  readonly seed: number;
}

/** Example `index` of a seed range: the scene of `seed`, its mask kind by `index`. */
export function sceneInpainting(seed: number, index: number, size: number): SceneInpainting {
  const prng = new Prng(seed);
  const scene = drawScene(prng);
  const maskKind = INPAINTING_MASK_KINDS[index % INPAINTING_MASK_KINDS.length] as InpaintingMaskKind;
  const mask = drawInpaintingMask(prng, scene, maskKind, size);
  return { image: renderScene(scene, { size }), mask, caption: captionOf(scene), maskKind, seed };
}
