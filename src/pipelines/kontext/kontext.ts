/**
 * FLUX.1 Kontext [dev]: the image to edit (already at the size it is used at) and text embeddings
 * in, the edited image out, with a record. BFL's sampling as cli_kontext runs it: bfloat16 noise
 * from the seed at the target size, the condition's tokens appended after the noisy ones, the
 * schedule shifted by the noisy token count alone, Euler steps, unpack and decode (the preparation
 * and the draws: sampler.ts, shared with noise selection). Pure: arrays and options in, pixels and
 * a record out.
 */
import { InvalidArgumentError } from "../../errors.js";
import { shapeString, type Tensor } from "../../tensor.js";
import { CancelledError } from "../fill/errors.js";
import { checkFillOptions, type FillStage, type SamplingOptions } from "../fill/fill.js";
import { LATENT_CHANNELS } from "../fill/stages.js";
import { plainRun } from "../sampler/finish.js";
import type { SamplerModels } from "../sampler/sampler.js";
import type { KontextConditioning } from "./prepare.js";
import { kontextRecord, kontextSampler, kontextTarget, type KontextRecord, type KontextRequest } from "./sampler.js";

export { kontextNoise, type KontextRecord, type KontextRequest } from "./sampler.js";

export type KontextModels = SamplerModels;

/** The seeded draw is BFL's bfloat16 noise; explicit noise replaces it. */
export interface KontextOptions extends SamplingOptions {
  /**
   * Size of the output; default the condition's (BFL's target_width / target_height). As in BFL, a
   * side that is not a multiple of 16 is rounded up to one (the latent grid is 2 ceil(side / 16)).
   */
  readonly width?: number;
  readonly height?: number;
}

export interface KontextResult {
  /** [height, width, 3] uint8 */
  readonly image: Tensor<"u8">;
  /** [1, 3, height, width] decoder output (before clamping) */
  readonly decoded: Tensor<"f32">;
  /** [1, 16, height/8, width/8] final latent (scaled) */
  readonly latent: Tensor<"f32">;
  /** [1, 16, height/8, width/8]: the bfloat16 draw (or the given noise) as float32 */
  readonly noise: Tensor<"f32">;
  /** [1, L, 3]: the noisy tokens' ids (0, row, col) */
  readonly imgIds: Tensor<"f32">;
  readonly conditioning: KontextConditioning;
  readonly record: KontextRecord;
}

export async function kontext(models: KontextModels, request: KontextRequest, options: KontextOptions): Promise<KontextResult> {
  checkFillOptions(options, request);
  const target = kontextTarget(request.image, options.width, options.height);
  const started = performance.now();
  const report = (stage: FillStage, step: number, steps: number): void =>
    options.onProgress?.({ stage, step, steps, ms: performance.now() - started });

  const latentDims = [1, LATENT_CHANNELS, target.height / 8, target.width / 8];
  if (options.noise && options.noise.dims.join() !== latentDims.join())
    throw new InvalidArgumentError(
      `noise must be ${shapeString(latentDims)} for a ${target.width}x${target.height} output, got ${shapeString(options.noise.dims)}`,
    );

  report("prepare", 0, 1);
  const sampler = await kontextSampler(models.vae, request, target, options);
  const candidate = sampler.candidate(options.seed);
  const noise = options.noise ?? candidate.noise;
  const prepareMs = performance.now() - started;
  report("prepare", 1, 1);
  if (options.signal?.aborted) throw new CancelledError(0, options.steps);

  const run = await plainRun(models, sampler, candidate, noise, options, report);
  const { image, decoded, latent, denoiseMs, stepMs, decodeMs } = run;
  return {
    image,
    decoded,
    latent,
    noise,
    imgIds: sampler.imgIds,
    conditioning: sampler.encoded,
    record: kontextRecord(sampler, {
      seed: options.seed,
      steps: options.steps,
      guidance: options.guidance,
      ...(run.cache ? { cache: run.cache } : {}),
      timings: { prepareMs, denoiseMs, stepMs, decodeMs, totalMs: performance.now() - started },
    }),
  };
}
