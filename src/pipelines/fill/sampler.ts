/**
 * ICEdit's candidates (FLUX.1 Fill): the fill conditioning computed once (the masked diptych
 * through the VAE encoder), each seed's draws made exactly as a plain fill with that seed makes
 * them (under diffusers conventions, its own masked-latent sample too).
 */
import type { Vae } from "../../components/vae/vae.js";
import { textIds } from "../../models/flux/inputs.js";
import { InvalidArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import type { FillConventions } from "./conventions.js";
import type { DenoiseConditioning, NegativeConditioning, NegativePrompt } from "./denoise.js";
import type { CheckedPixels } from "./pixels.js";
import { conditionFill, encodeFill, type FillConditioning } from "./prepare.js";
import { drawSeeded, fillSchedule, LATENT_CHANNELS, modelTimeOf } from "./stages.js";
import { repeatBatch, stackBatch } from "../sampler/batch.js";
import type { SamplerCandidate, Sampler } from "../sampler/sampler.js";

export interface FillCandidate extends SamplerCandidate {
  /** This seed's conditioning: under diffusers conventions its own masked-latent sample. */
  readonly conditioning: FillConditioning;
}

export interface FillSamplerInput {
  readonly pixels: CheckedPixels;
  readonly conventions: FillConventions;
  readonly steps: number;
  /** [1, T, context] and [1, vec] */
  readonly txt: Tensor<"f32">;
  readonly y: Tensor<"f32">;
  readonly guidance: number;
  /** True CFG; absent: off. */
  readonly negative?: NegativePrompt;
}

export type FillSampler = Sampler<FillCandidate>;

/** Encodes the masked image once; the sampler then draws each seed as fill() does. */
export async function fillSampler(vae: Vae, input: FillSamplerInput): Promise<FillSampler> {
  const { pixels, conventions, txt, y, guidance, negative } = input;
  const encoded = await encodeFill(vae, pixels, conventions);
  const h = pixels.height / 8;
  const w = pixels.width / 8;
  const latentDims = [1, LATENT_CHANNELS, h, w];
  const imageTokens = (h / 2) * (w / 2);
  return {
    latentHeight: h,
    latentWidth: w,
    schedule: fillSchedule(conventions, input.steps, imageTokens),
    modelTime: modelTimeOf(conventions),
    toUint8: conventions.toUint8,
    candidate(seed) {
      const { noise, maskedEps } = drawSeeded(seed, latentDims, conventions);
      const conditioning = conditionFill(encoded, conventions, () => {
        if (!maskedEps) throw new InvalidArgumentError(`conventions ${conventions.name} sample the masked latent but drew no sample`);
        return maskedEps;
      });
      return { seed, noise, conditioning };
    },
    conditioning(candidates): DenoiseConditioning {
      const b = candidates.length;
      const first = candidates[0];
      if (!first) throw new InvalidArgumentError("a batch needs at least one candidate");
      const sameCond = conventions.maskedLatent === "mean";
      return {
        imgCond: sameCond ? repeatBatch(first.conditioning.imgCond, b) : stackBatch(candidates.map((c) => c.conditioning.imgCond)),
        imgIds: repeatBatch(first.conditioning.imgIds, b),
        txt: b === 1 ? txt : repeatBatch(txt, b),
        txtIds: textIds(b, txt.dims[1] as number),
        y: b === 1 ? y : repeatBatch(y, b),
        guidance: new Array<number>(b).fill(guidance),
        ...(negative ? { negative: batchedNegative(negative, b) } : {}),
      };
    },
  };
}

/** The negative prompt's conditioning for a batch of b candidates. */
export function batchedNegative(negative: NegativePrompt, b: number): NegativeConditioning {
  const { txt, y, scale } = negative;
  return {
    txt: b === 1 ? txt : repeatBatch(txt, b),
    txtIds: textIds(b, txt.dims[1] as number),
    y: b === 1 ? y : repeatBatch(y, b),
    scale,
  };
}
