/**
 * The pixel rule's ceiling for a model: the TARGET itself, resized to the edit size as a source is
 * (src/pipelines/edit/inputs.ts), encoded and decoded by the model's VAE, and scored as if it were
 * the edit. No transformer can do better than its VAE gives back, so this row says how much of the
 * table the autoencoder alone allows (the demo's first VAE: 52.5% of the 200 held-out edits).
 */
import { openModel, type OpenOptions } from "../../api/open-model.js";
import { resizeImage, type RgbImage } from "../../image/index.js";
import { editSize, EDIT_WIDTH } from "../../image/edit-size.js";
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

/** examples: [N] -> N scored "edits", each the target through the model's VAE at the edit size. */
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
      async ({ index }): Promise<RgbImage> => {
        const target = targets.get(index) as RgbImage;
        const [h, w] = target.dims as [number, number];
        const size = editSize(w, h, width);
        const resized = size.width === w && size.height === h ? target : await resizeImage(target, size.width, size.height);
        const { latent } = await vae.encode(imageToTensor(resized));
        const { image } = await vae.decode(latent);
        return tensorToImage(image, DIFFUSERS_CONVENTIONS.toUint8);
      },
      { signal: options.signal, onEdit: options.onEdit },
    );
  } finally {
    await opened.models.release();
    await opened.engine.close();
  }
}
