/**
 * FLUX.1 Kontext [dev] with VLM-guided early-filter noise selection: noise-selection/run.ts with
 * Kontext's candidates (sampler.ts). Each candidate's noise is the bfloat16 draw of a plain Kontext
 * run with its seed; the early x0 preview is of the noisy tokens only (the condition tokens'
 * outputs are cut off in every step), decoded at the output's size. The result equals a plain
 * kontext() with the winner's seed, up to float rounding of the batched runs.
 */
import type { Tensor } from "../../tensor.js";
import { checkFillOptions } from "../fill/fill.js";
import { candidateSeeds } from "../noise-selection/plan.js";
import { runSelection, type NoiseSelectionOptions, type SelectionOutput } from "../noise-selection/run.js";
import type { KontextModels } from "./kontext.js";
import type { KontextConditioning } from "./prepare.js";
import { kontextRecord, kontextSampler, kontextTarget, type KontextRecord, type KontextRequest } from "./sampler.js";

export interface KontextSelectionOptions extends NoiseSelectionOptions {
  /** Size of the output (each side rounded up to a multiple of 16); default the condition's. */
  readonly width?: number;
  readonly height?: number;
}

/** image: the winner's edit at the output size; previews: the noisy tokens' x0 at that size, in seed order. */
export interface KontextSelectionResult extends SelectionOutput {
  /** [1, 16, height/8, width/8]: the winner's bfloat16 draw as float32. */
  readonly noise: Tensor<"f32">;
  readonly conditioning: KontextConditioning;
  /** The winner's run, as a plain Kontext run with its seed would record it (timings of this run). */
  readonly record: KontextRecord;
}

export async function kontextWithNoiseSelection(
  models: KontextModels,
  request: KontextRequest,
  options: KontextSelectionOptions,
): Promise<KontextSelectionResult> {
  checkFillOptions({ seed: candidateSeeds(options)[0] as number, steps: options.steps, guidance: options.guidance }, request);
  const target = kontextTarget(request.image, options.width, options.height);
  const run = await runSelection(models, () => kontextSampler(models.vae, request, target, options), options);
  const prepared = run.sampler;
  return {
    image: run.image,
    decoded: run.decoded,
    latent: run.latent,
    noise: run.winner.noise,
    conditioning: prepared.encoded,
    previews: run.previews,
    record: kontextRecord(prepared, {
      seed: run.tournament.winner,
      steps: options.steps,
      guidance: options.guidance,
      ...(run.cache ? { cache: run.cache } : {}),
      timings: run.timings,
    }),
    tournament: run.tournament,
  };
}
