/**
 * The pairs a decoder learns the transformer's edits from: a model's own ICEdit edits of
 * training-range scenes (seeds below the held-out ones), each as the final latent of the edit
 * [z, h, w] (unscaled with the folder's VAE factors: the decoder's own input, latent / scale +
 * shift, so the pairs do not depend on the factors) and the diptych it should decode to: [source |
 * target] drawn exactly, squashed to the edit width. A decoder trained on them (trainDemoVae's
 * latentPairs) learns to turn the transformer's soft latents into clean scenes.
 */
import { IceditSession } from "../api/session.js";
import { IceditError } from "../errors.js";
import { folderVaeParams } from "../components/icedit-models.js";
import { validateVaeParams } from "../models/vae/params.js";
import { imageToTensor } from "../pipelines/fill/pixels.js";
import { stackBatch } from "../pipelines/sampler/batch.js";
import { unpackLatents } from "../sampling/packing.js";
import { tensor, type Tensor } from "../tensor.js";
import type { LatentPairs } from "../train/vae/index.js";
import { openFluxFillFolder } from "../weights/hub/model-folder.js";
import { trainingDiptych } from "../train/data/training-diptych.js";
import { sampleEditExample } from "./scenes/edit-example.js";
import { EDIT_KINDS, type EditKind } from "./scenes/edits.js";
import { HELD_OUT_FIRST_SEED } from "./scenes/sample-scene.js";

export class EditLatentsError extends IceditError {}

export interface EditLatentsOptions {
  /** A model folder (make-demo-model's layout). */
  readonly model: string;
  /** The adapters to edit with (session specs); default the folder's own. */
  readonly loras?: readonly string[] | "auto";
  /** Example i is drawn from seed firstSeed + i with kind EDIT_KINDS[i % 4], and edited with noise seed firstSeed + i. */
  readonly firstSeed: number;
  readonly count: number;
  /** Scene side in pixels (default 128, as eval-demo draws them). */
  readonly size?: number;
  /** The edit width (default the folder's). */
  readonly width?: number;
  /** The guidance the transformer is fed (default the folder's). */
  readonly guidance?: number;
  /** Denoising steps (default the edit default, 28). */
  readonly steps?: number;
  /** True CFG scale (default the folder's). */
  readonly trueCfgScale?: number;
  readonly signal?: AbortSignal;
  readonly onEdit?: (done: number, total: number) => void;
}

function checkRange(firstSeed: number, count: number): void {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new EditLatentsError(`edit latents: count must be a whole number >= 1, got ${count}`);
  if (!Number.isSafeInteger(firstSeed) || firstSeed < 0 || firstSeed + count > HELD_OUT_FIRST_SEED)
    throw new EditLatentsError(
      `edit latents: the seeds ${firstSeed} .. ${firstSeed + count - 1} must lie in the training range 0 .. ${HELD_OUT_FIRST_SEED - 1} (the held-out edits start at ${HELD_OUT_FIRST_SEED})`,
    );
}

/** count edits -> unscaled latents [count, z, h, w] and images [count, 3, 8h, 8w] in [-1, 1]. */
export async function collectEditLatents(options: EditLatentsOptions): Promise<LatentPairs> {
  checkRange(options.firstSeed, options.count);
  const vae = folderVaeParams(await openFluxFillFolder(options.model));
  const { factor } = validateVaeParams(vae);
  const session = await IceditSession.open({ model: options.model, loras: options.loras ?? "auto" });
  const latents: Tensor<"f32">[] = [];
  const images: Tensor<"f32">[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      const seed = options.firstSeed + i;
      const example = sampleEditExample(seed, EDIT_KINDS[i % EDIT_KINDS.length] as EditKind, { size: options.size ?? 128 });
      let last: Tensor<"f32"> | undefined;
      const edited = await session.edit(example.source, example.instruction, {
        seed,
        width: options.width,
        steps: options.steps,
        guidance: options.guidance,
        trueCfgScale: options.trueCfgScale,
        signal: options.signal,
        onStep: (info) => {
          if (info.step === info.steps) last = info.next;
        },
      });
      if (last === undefined) throw new EditLatentsError(`edit latents: the edit of seed ${seed} reported no final step`);
      // the edit's right half is [h, w, 3] at the edit width w
      const diptych = await trainingDiptych(example.source, example.target, edited.image.dims[1] as number);
      const [height, width] = diptych.image.dims as [number, number, number];
      const latent = unpackLatents(last, height / factor, width / factor);
      latents.push(
        tensor(
          "f32",
          latent.dims,
          latent.data.map((v) => v / vae.scaleFactor + vae.shiftFactor),
        ),
      );
      images.push(imageToTensor(diptych.image));
      options.onEdit?.(i + 1, options.count);
    }
  } finally {
    await session.close();
  }
  return { latents: stackBatch(latents), images: stackBatch(images) };
}
