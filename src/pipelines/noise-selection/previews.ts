/** The candidates' early previews: their x0 estimates through the VAE decoder, in batches, as uint8 images. */
import type { Vae } from "../../components/vae/vae.js";
import { unpackLatents } from "../../sampling/packing.js";
import { InvalidArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import type { FillConventions } from "../fill/conventions.js";
import { tensorToImage } from "../fill/pixels.js";
import { sliceBatch, stackBatch } from "../sampler/batch.js";

export interface CandidatePreview {
  readonly seed: number;
  /** [h, w, 3]: the decoded x0 estimate after the early steps, as the judge saw it. */
  readonly image: Tensor<"u8">;
}

export interface PreviewOptions {
  /** The latent's height and width (H/8, W/8): the previews are decoded at the output's size. */
  readonly h: number;
  readonly w: number;
  readonly toUint8: FillConventions["toUint8"];
  /** What of a decoded image the judge sees (ICEdit: the diptych's right half; Kontext: all of it). */
  readonly view: (image: Tensor<"u8">) => Tensor<"u8">;
  /** Previews per decoder run. */
  readonly batch: number;
  /** Checked before each decoder run; throws to stop. */
  readonly beforeRun?: () => void;
  readonly onDone?: (done: number, total: number) => void;
}

/** x0: one packed [1, L, 64] estimate per seed (the noisy tokens only). */
export async function decodePreviews(
  vae: Vae,
  x0: readonly Tensor<"f32">[],
  seeds: readonly number[],
  options: PreviewOptions,
): Promise<CandidatePreview[]> {
  if (!Number.isInteger(options.batch) || options.batch < 1)
    throw new InvalidArgumentError(`the preview batch must be a whole number of at least 1, got ${options.batch}`);
  const previews: CandidatePreview[] = [];
  for (let i = 0; i < x0.length; i += options.batch) {
    options.beforeRun?.();
    const part = x0.slice(i, i + options.batch);
    const { image: decoded } = await vae.decode(unpackLatents(stackBatch(part), options.h, options.w));
    part.forEach((_, k) => {
      const image = options.view(tensorToImage(sliceBatch(decoded, k), options.toUint8));
      previews.push({ seed: seeds[i + k] as number, image });
    });
    options.onDone?.(previews.length, x0.length);
  }
  return previews;
}
