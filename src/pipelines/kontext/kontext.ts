/**
 * FLUX.1 Kontext [dev]: the image to edit (already at the size it is used at) and text embeddings
 * in, the edited image out, with a record. BFL's sampling as cli_kontext runs it: bfloat16 noise
 * from the seed at the target size, the condition's tokens appended after the noisy ones, the
 * schedule shifted by the noisy token count alone, Euler steps, unpack and decode. Pure: arrays
 * and options in, pixels and a record out.
 */
import { StepCache } from "../step-cache/step-cache.js";
import type { FluxTransformer } from "../../components/flux/transformer.js";
import type { Vae } from "../../components/vae/vae.js";
import { InvalidArgumentError } from "../../errors.js";
import { imageIds, textIds } from "../../models/flux/inputs.js";
import { packLatents, unpackLatents } from "../../sampling/packing.js";
import { getSchedule } from "../../sampling/schedule.js";
import { TorchGenerator } from "../../sampling/torch-rng.js";
import { shapeString, type Tensor } from "../../tensor.js";
import { denoise } from "../fill/denoise.js";
import { CancelledError } from "../fill/errors.js";
import { checkFillOptions, type FillRecord, type FillStage, type SamplingOptions } from "../fill/fill.js";
import { tensorToImage } from "../fill/pixels.js";
import { drawNormal, LATENT_CHANNELS } from "../fill/stages.js";
import { checkConditionImage, prepareKontext, type KontextConditioning } from "./prepare.js";
import { DEFAULT_REFERENCE_PLACEMENT, type ReferencePlacement } from "./references.js";

export interface KontextModels {
  readonly transformer: FluxTransformer;
  readonly vae: Vae;
}

export interface KontextRequest {
  /** [H, W, 3] uint8 RGB, sides multiples of 16: the image to edit, at the size it is used at. */
  readonly image: Tensor<"u8">;
  /** T5 hidden states [1, T, context] */
  readonly txt: Tensor<"f32">;
  /** CLIP pooled [1, vec] */
  readonly y: Tensor<"f32">;
  /** Further reference images, [H, W, 3] uint8 each at the size it is used at; their tokens follow the image's. */
  readonly references?: readonly Tensor<"u8">[];
  /** Where the references sit on RoPE's axes (references.ts); default "offset". Only matters with references. */
  readonly placement?: ReferencePlacement;
}

/** The seeded draw is BFL's bfloat16 noise; explicit noise replaces it. */
export interface KontextOptions extends SamplingOptions {
  /**
   * Size of the output; default the condition's (BFL's target_width / target_height). As in BFL, a
   * side that is not a multiple of 16 is rounded up to one (the latent grid is 2 ceil(side / 16)).
   */
  readonly width?: number;
  readonly height?: number;
}

export interface KontextRecord extends FillRecord {
  /** The condition image's size and the token count of all references (the output's are width, height, imageTokens). */
  readonly condition: { readonly width: number; readonly height: number; readonly tokens: number };
  /** With further references: their sizes (the image to edit's first) and their placement. */
  readonly references?: {
    readonly sizes: readonly { readonly width: number; readonly height: number }[];
    readonly placement: ReferencePlacement;
  };
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

function targetSide(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive whole number, got ${value}`);
  return 16 * Math.ceil(value / 16);
}

/** BFL get_noise(1, height, width, bfloat16, seed), upcast: torch.randn([1, 16, 2 ceil(h/16), 2 ceil(w/16)]) in bfloat16. */
export function kontextNoise(seed: number, width: number, height: number): Tensor<"f32"> {
  const dims = [1, LATENT_CHANNELS, 2 * Math.ceil(height / 16), 2 * Math.ceil(width / 16)];
  return drawNormal(new TorchGenerator(seed), dims, "bf16");
}

export async function kontext(models: KontextModels, request: KontextRequest, options: KontextOptions): Promise<KontextResult> {
  checkFillOptions(options, request);
  const condition = checkConditionImage(request.image);
  const width = targetSide("width", options.width, condition.width);
  const height = targetSide("height", options.height, condition.height);
  const started = performance.now();
  const h = height / 8;
  const w = width / 8;
  const imageTokens = (h / 2) * (w / 2);
  const report = (stage: FillStage, step: number, steps: number): void =>
    options.onProgress?.({ stage, step, steps, ms: performance.now() - started });

  const noise = options.noise ?? kontextNoise(options.seed, width, height);
  const latentDims = [1, LATENT_CHANNELS, h, w];
  if (noise.dims.join() !== latentDims.join())
    throw new InvalidArgumentError(
      `noise must be ${shapeString(latentDims)} for a ${width}x${height} output, got ${shapeString(noise.dims)}`,
    );

  report("prepare", 0, 1);
  const references = request.references ?? [];
  const placement = request.placement ?? DEFAULT_REFERENCE_PLACEMENT;
  const conditioning = await prepareKontext(models.vae, [request.image, ...references], placement);
  const prepareMs = performance.now() - started;
  report("prepare", 1, 1);
  if (options.signal?.aborted) throw new CancelledError(0, options.steps);

  // The shift follows the noisy tokens only: the condition's tokens do not lengthen the schedule.
  const schedule = getSchedule(options.steps, imageTokens);
  const imgIds = imageIds(1, h / 2, w / 2);
  const stepMs: number[] = [];
  const cache = options.cache ? StepCache.start(options.cache, options.steps, 1) : undefined;
  const denoiseStart = performance.now();
  report("denoise", 0, options.steps);
  const x = await denoise(
    models.transformer,
    packLatents(noise),
    {
      imgCondSeq: conditioning,
      imgIds,
      txt: request.txt,
      txtIds: textIds(1, request.txt.dims[1] as number),
      y: request.y,
      guidance: [options.guidance],
    },
    schedule,
    {
      signal: options.signal,
      cache,
      onStep: (info) => {
        stepMs.push(info.ms);
        options.onStep?.(info);
        report("denoise", info.step, info.steps);
      },
    },
  );
  const denoiseMs = performance.now() - denoiseStart;

  const decodeStart = performance.now();
  report("decode", 0, 1);
  const latent = unpackLatents(x, h, w);
  const { image: decoded } = await models.vae.decode(latent);
  const image = tensorToImage(decoded, "truncate");
  const decodeMs = performance.now() - decodeStart;
  report("decode", 1, 1);
  return {
    image,
    decoded,
    latent,
    noise,
    imgIds,
    conditioning,
    record: {
      conventions: "bfl",
      seed: options.seed,
      steps: options.steps,
      guidance: options.guidance,
      width,
      height,
      imageTokens,
      condition: { ...condition, tokens: conditioning.tokens.dims[1] as number },
      ...(references.length === 0
        ? {}
        : { references: { sizes: [condition, ...references.map((r) => checkConditionImage(r))], placement } }),
      schedule: [...schedule],
      ...(cache ? { cache: cache.record() } : {}),
      timings: { prepareMs, denoiseMs, stepMs, decodeMs, totalMs: performance.now() - started },
    },
  };
}
