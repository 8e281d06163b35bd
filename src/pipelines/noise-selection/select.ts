/**
 * FLUX.1 Fill with VLM-guided early-filter noise selection (docs/icedit.md §4): run.ts's selection
 * with the fill's candidates (fill/sampler.ts). The result equals a plain fill with the winner's
 * seed, up to float rounding of the batched runs. Pure apart from PNG encoding of the previews.
 */
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "../fill/conventions.js";
import { checkFillOptions, type FillModels, type FillRecord, type FillRequest } from "../fill/fill.js";
import { checkPixels, type SizePolicy } from "../fill/pixels.js";
import type { FillConditioning } from "../fill/prepare.js";
import { fillSampler } from "../fill/sampler.js";
import { candidateSeeds } from "./plan.js";
import { runSelection, type NoiseSelectionOptions, type SelectionOutput } from "./run.js";

export { checkJudgeFallback, JUDGE_FALLBACKS, probeJudge, type JudgeFallback, type ProbeOutcome } from "./judge-probe.js";
export type { NoiseSelectionOptions } from "./run.js";

export interface SelectionOptions extends NoiseSelectionOptions {
  readonly conventions?: FillConventions;
  readonly sizePolicy?: SizePolicy;
}

/** image: the winner's fill, whole (not cropped by `view`). */
export interface SelectionResult extends SelectionOutput {
  readonly conditioning: FillConditioning;
  /** The winner's fill, as a plain fill with its seed would record it (timings of this run). */
  readonly record: FillRecord;
}

export async function fillWithNoiseSelection(
  models: FillModels,
  request: FillRequest,
  options: SelectionOptions,
): Promise<SelectionResult> {
  const conventions = options.conventions ?? DIFFUSERS_CONVENTIONS;
  checkFillOptions({ seed: candidateSeeds(options)[0] as number, steps: options.steps, guidance: options.guidance }, request);
  const pixels = checkPixels(request.image, request.mask, options.sizePolicy);
  const run = await runSelection(
    models,
    () =>
      fillSampler(models.vae, {
        pixels,
        conventions,
        steps: options.steps,
        txt: request.txt,
        y: request.y,
        negative: request.negative,
        guidance: options.guidance,
      }),
    options,
  );
  const { sampler, tournament } = run;
  return {
    image: run.image,
    decoded: run.decoded,
    latent: run.latent,
    conditioning: run.winner.conditioning,
    previews: run.previews,
    record: {
      conventions: conventions.name,
      seed: tournament.winner,
      steps: options.steps,
      guidance: options.guidance,
      width: pixels.width,
      height: pixels.height,
      imageTokens: (sampler.latentHeight / 2) * (sampler.latentWidth / 2),
      schedule: [...sampler.schedule],
      timings: run.timings,
      ...(run.cache ? { cache: run.cache } : {}),
    },
    tournament,
  };
}
