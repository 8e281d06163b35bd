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
import { sceneInpainting } from "./scene-inpainting.js";

export interface SceneRange {
  /** The first scene's seed; example i is the scene of firstSeed + i. */
  readonly firstSeed: number;
  readonly count: number;
  /** Side of the scenes in pixels: a multiple of 16. */
  readonly size: number;
}

export function checkSceneRange(range: SceneRange): SceneRange {
  const { firstSeed, count, size } = range;
  if (!Number.isInteger(firstSeed) || firstSeed < 0) throw new InvalidArgumentError(`firstSeed must be an integer >= 0, got ${firstSeed}`);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError(`count must be an integer >= 1, got ${count}`);
  if (!Number.isInteger(size) || size < 16 || size % 16 !== 0) throw new InvalidArgumentError(`size must be a multiple of 16, got ${size}`);
  return range;
}

/** Examples: x0 [L, 64], imgCond [L, 320], txt [T, ctx], y [vec] with L = (size/16)^2. */
export async function sceneInpaintingDataset(encoders: ExampleEncoders, range: SceneRange): Promise<PreparedDataset> {
  const { firstSeed, count, size } = checkSceneRange(range);
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
        const scene = sceneInpainting(seed, index, size);
        example = encodeInpainting(encoders, scene, `scene ${seed} (${scene.maskKind} mask): ${scene.caption}`);
        // A failed encoding is not kept: the next get() tries again.
        example.catch(() => encoded.delete(index));
        encoded.set(index, example);
      }
      return example;
    },
  };
}
