/**
 * The pixel rule's ceiling for a model: the TARGET itself, as the right half of the diptych
 * (source | target) at the edit size, the latent `icedit train` teaches the transformer to produce,
 * encoded and decoded by the model's VAE as an edit decodes its diptych, and the right half scored
 * as if it were the edit. No transformer can do better than its VAE gives back, so this row says how
 * much of the table the autoencoder alone allows. The diptych matters: a VAE trained on single
 * scenes smears the seam between two backgrounds into the right half (the demo's VAE before its
 * vae-pairs stages: 84% of the background edits through it alone, none through the diptych).
 */
import { openModel, type OpenOptions } from "../../api/open-model.js";
import type { RgbImage } from "../../image/index.js";
import { cropRightHalf } from "../../image/diptych.js";
import { EDIT_WIDTH } from "../../image/edit-size.js";
import { trainingDiptych } from "../../train/data/training-diptych.js";
import { DIFFUSERS_CONVENTIONS } from "../../pipelines/fill/conventions.js";
import { imageToTensor, tensorToImage } from "../../pipelines/fill/pixels.js";
import { evaluateEdits, type EvaluateOptions, type EvaluationRun } from "./evaluate.js";
import type { EvalExample } from "./eval-example.js";

export interface VaeCeilingOptions {
  /** The edit width (default: the model folder's, else 512), as the edits are run at. */
  readonly width?: number;
  readonly signal?: AbortSignal;
  readonly onEdit?: EvaluateOptions["onEdit"];
}

/** examples: [N] (square scenes) -> N scored "edits", each the target through the model's VAE in the edit's diptych at the edit size. */
export async function vaeCeiling(
  examples: readonly EvalExample[],
  open: Omit<OpenOptions, "loras">,
  options: VaeCeilingOptions = {},
): Promise<EvaluationRun> {
  const opened = await openModel({ ...open, loras: [] });
  try {
    const width = options.width ?? opened.identity.editDefaults.width ?? EDIT_WIDTH;
    const { vae } = opened.models;
    const targets = new Map(examples.map((e) => [e.index, e.example.target]));
    return await evaluateEdits(
      examples,
      async ({ source, index }): Promise<RgbImage> => {
        const diptych = await trainingDiptych(source, targets.get(index) as RgbImage, width);
        const { latent } = await vae.encode(imageToTensor(diptych.image));
        const { image } = await vae.decode(latent);
        return cropRightHalf(tensorToImage(image, DIFFUSERS_CONVENTIONS.toUint8));
      },
      { signal: options.signal, onEdit: options.onEdit },
    );
  } finally {
    await opened.models.release();
    await opened.engine.close();
  }
}
