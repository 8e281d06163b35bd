/**
 * One training example through the frozen encoders, by the inference pipeline's own code: the
 * diptych (source | target) through the VAE encoder as the clean latent x0, the fill conditioning
 * of the masked diptych exactly as an edit makes it (encodeFill + conditionFill), and the IC
 * prompt through T5 and CLIP (the TextConditioner an edit uses). For Kontext: the target alone as
 * x0 and the source's condition tokens as a Kontext edit makes them, the instruction as the prompt.
 *
 * The reference draws a fresh posterior sample for x0 and for the masked latent at every step
 * (latent_dist.sample()); the cache stores the posterior means instead, so an epoch needs no VAE.
 * The FLUX VAE's posterior standard deviation is small next to its mean, and the means are what
 * inference with BFL's conventions uses.
 */
import type { TextConditioner } from "../../components/text/conditioning.js";
import type { Vae } from "../../components/vae/vae.js";
import type { Diptych } from "../../image/diptych.js";
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "../../pipelines/fill/conventions.js";
import { checkPixels, imageToTensor } from "../../pipelines/fill/pixels.js";
import { prepareKontext } from "../../pipelines/kontext/prepare.js";
import type { RgbImage } from "../../image/rgb.js";
import { conditionFill, encodeFill } from "../../pipelines/fill/prepare.js";
import { packLatents } from "../../sampling/packing.js";
import { reshape, type Tensor } from "../../tensor.js";
import { PrepareExamplesError } from "./errors.js";

/** The frozen encoders a data set is prepared with. */
export interface ExampleEncoders {
  readonly vae: Vae;
  readonly text: TextConditioner;
  /** Identifies the VAE's and the text encoders' weights and precision: part of every cache key. */
  readonly fingerprint: string;
}

/** diffusers' mask handling (binarised at 0.5: the training mask is 0 or 255 anyway) with the posterior mean. */
export const CACHED_FILL_CONVENTIONS: FillConventions = { ...DIFFUSERS_CONVENTIONS, maskedLatent: "mean" };

export interface EncodedDiptych {
  /** [L, 64]: the packed latent of the whole diptych (source | target). */
  readonly x0: Tensor<"f32">;
  /** [L, 320]: the packed masked-diptych latent (64) and the packed mask (256). */
  readonly imgCond: Tensor<"f32">;
  /** [L, 3]: the image position ids. */
  readonly imgIds: Tensor<"f32">;
}

export interface EncodedText {
  /** [T, context]: T5's hidden states. */
  readonly txt: Tensor<"f32">;
  /** [vec]: CLIP's pooled output. */
  readonly y: Tensor<"f32">;
}

/** t: [1, ...rest] -> [...rest] (same data). */
function dropBatch(t: Tensor<"f32">, what: string): Tensor<"f32"> {
  if (t.dims[0] !== 1) throw new PrepareExamplesError(`${what}: expected a batch of one, got dims [${t.dims.join(", ")}]`);
  return reshape(t, t.dims.slice(1));
}

/** diptych: image [S, 2S, 3], mask [S, 2S] -> x0 [L, 64], imgCond [L, 320], imgIds [L, 3] with L = (S/16)(2S/16). */
export async function encodeDiptych(vae: Vae, diptych: Diptych): Promise<EncodedDiptych> {
  const pixels = checkPixels(diptych.image, diptych.mask);
  const fill = await encodeFill(vae, pixels, CACHED_FILL_CONVENTIONS);
  const conditioning = conditionFill(fill, CACHED_FILL_CONVENTIONS, () => {
    throw new PrepareExamplesError("the cached conditioning uses the posterior mean: no draw is made");
  });
  const clean = await vae.encode(fill.image);
  return {
    x0: dropBatch(packLatents(clean.latent), "x0"),
    imgCond: dropBatch(conditioning.imgCond, "imgCond"),
    imgIds: dropBatch(conditioning.imgIds, "imgIds"),
  };
}

/**
 * Kontext: source, target [size, size, 3] u8 -> x0 [L, 64], the target's packed latent (the noisy
 * tokens' clean value), and imgCond [L, 64], the source's condition tokens as an edit makes them
 * (prepareKontext), with L = (size/16)^2.
 */
export async function encodeKontextPair(
  vae: Vae,
  source: RgbImage,
  target: RgbImage,
): Promise<{ x0: Tensor<"f32">; imgCond: Tensor<"f32"> }> {
  const condition = await prepareKontext(vae, source);
  const clean = await vae.encode(imageToTensor(target));
  return { x0: dropBatch(packLatents(clean.latent), "x0"), imgCond: dropBatch(condition.tokens, "imgCond") };
}

/** prompt -> txt [T, context], y [vec]. */
export async function encodeText(text: TextConditioner, prompt: string): Promise<EncodedText> {
  const { embedding } = await text.encode(prompt);
  return { txt: dropBatch(embedding.txt, "txt"), y: dropBatch(embedding.y, "y") };
}
