/**
 * The captioned scenes of a seed range as the training loop's data set, encoded on first use and
 * kept in memory: scenes are cheap to render, their encoding (VAE encoder twice, T5 and CLIP)
 * is not, and a demo-sized run holds every example's tensors easily. The dropped prompt is " ",
 * as prepareExamples encodes it.
 */
import { InvalidArgumentError } from "../../errors.js";
import { encodeInpainting, encodeText, type ExampleEncoders, type PreparedExample } from "../../train/data/index.js";
import { DROPPED_PROMPT } from "../../train/data/prepare-examples.js";
import type { PreparedDataset } from "../../train/loop/index.js";
import { sceneInpainting, type SceneInpainting } from "./scene-inpainting.js";
import { sceneCopyInpainting, scenePairInpainting } from "./scene-pair-inpainting.js";

/**
 * A square scene per example, two scenes side by side (the diptych's shape), or one scene twice
 * side by side with one side or a region masked (copy): scene-pair-inpainting.ts.
 */
export const SCENE_LAYOUTS = ["square", "pair", "copy"] as const;
export type SceneLayout = (typeof SCENE_LAYOUTS)[number];

export interface SceneRange {
  /** The first scene's seed; example i is the scene of firstSeed + i. */
  readonly firstSeed: number;
  readonly count: number;
  /** Side of the scenes in pixels: a multiple of 16. */
  readonly size: number;
  /** "square" (default): size x size; "pair" and "copy": size x 2 size. */
  readonly layout?: SceneLayout;
}

/** The packed latent grid of the range's images: 16 pixels per token. */
export function sceneGrid(range: SceneRange): { rows: number; cols: number } {
  const side = range.size / 16;
  return { rows: side, cols: range.layout === "pair" || range.layout === "copy" ? 2 * side : side };
}

function sceneExample(range: SceneRange, seed: number, index: number): Promise<SceneInpainting> {
  if (range.layout === "pair") return scenePairInpainting(seed, index, range.size);
  if (range.layout === "copy") return sceneCopyInpainting(seed, index, range.size);
  return Promise.resolve(sceneInpainting(seed, index, range.size));
}

export function checkSceneRange(range: SceneRange): SceneRange {
  const { firstSeed, count, size } = range;
  if (!Number.isInteger(firstSeed) || firstSeed < 0) throw new InvalidArgumentError(`firstSeed must be an integer >= 0, got ${firstSeed}`);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError(`count must be an integer >= 1, got ${count}`);
  if (!Number.isInteger(size) || size < 16 || size % 16 !== 0) throw new InvalidArgumentError(`size must be a multiple of 16, got ${size}`);
  if (range.layout !== undefined && !SCENE_LAYOUTS.includes(range.layout))
    throw new InvalidArgumentError(`layout must be one of ${SCENE_LAYOUTS.join(", ")}, got ${String(range.layout)}`);
  return range;
}

/** Examples: x0 [L, 64], imgCond [L, 320], txt [T, ctx], y [vec] with L = rows x cols of sceneGrid. */
export async function sceneInpaintingDataset(encoders: ExampleEncoders, range: SceneRange): Promise<PreparedDataset> {
  const { firstSeed, count } = checkSceneRange(range);
  const encoded = new Map<number, Promise<PreparedExample>>();
  const emptyPrompt = await encodeText(encoders.text, DROPPED_PROMPT);
  return {
    count,
    emptyPrompt,
    get(index: number): Promise<PreparedExample> {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        return Promise.reject(new RangeError(`scene example ${index} is out of range (0 to ${count - 1})`));
      }
      let example = encoded.get(index);
      if (!example) {
        const seed = firstSeed + index;
        example = sceneExample(range, seed, index).then((scene) =>
          encodeInpainting(encoders, scene, `scene ${seed} (${scene.maskKind} mask): ${scene.caption}`),
        );
        // A failed encoding is not kept: the next get() tries again.
        example.catch(() => encoded.delete(index));
        encoded.set(index, example);
      }
      return example;
    },
  };
}
