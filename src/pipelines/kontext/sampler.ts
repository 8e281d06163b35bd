/**
 * A Kontext run prepared once (the sizes, the references through the VAE encoder, the schedule
 * shifted by the noisy tokens alone) and its sampler: a seed's noise is BFL's bfloat16 draw at the
 * target size, and a batch's conditioning appends the same condition tokens (ids (1, row, col))
 * after each sample's noisy tokens. The plain run (kontext.ts) and noise selection share both, so
 * a candidate is drawn and conditioned exactly as a plain edit with its seed.
 */
import type { Vae } from "../../components/vae/vae.js";
import { InvalidArgumentError } from "../../errors.js";
import { imageIds, textIds } from "../../models/flux/inputs.js";
import { getSchedule } from "../../sampling/schedule.js";
import { TorchGenerator } from "../../sampling/torch-rng.js";
import type { Tensor } from "../../tensor.js";
import type { DenoiseConditioning } from "../fill/denoise.js";
import type { FillRecord, RunTimings } from "../fill/fill.js";
import { drawNormal, LATENT_CHANNELS } from "../fill/stages.js";
import { repeatBatch } from "../sampler/batch.js";
import type { SamplerCandidate, Sampler } from "../sampler/sampler.js";
import type { StepCacheRecord } from "../step-cache/settings.js";
import { checkConditionImage, prepareKontext, type KontextConditioning } from "./prepare.js";
import { DEFAULT_REFERENCE_PLACEMENT, type ReferencePlacement } from "./references.js";

/** What a Kontext run takes besides its sampling options: the images and the text embeddings. */
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

export interface KontextRecord extends FillRecord {
  /** The condition image's size and the token count of all references (the output's are width, height, imageTokens). */
  readonly condition: { readonly width: number; readonly height: number; readonly tokens: number };
  /** With further references: their sizes (the image to edit's first) and their placement. */
  readonly references?: {
    readonly sizes: readonly { readonly width: number; readonly height: number }[];
    readonly placement: ReferencePlacement;
  };
}

/** The output's size: as asked (each side rounded up to a multiple of 16, as BFL), else the condition's. */
export interface KontextTarget {
  readonly width: number;
  readonly height: number;
  readonly condition: { readonly width: number; readonly height: number };
}

function targetSide(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive whole number, got ${value}`);
  return 16 * Math.ceil(value / 16);
}

/** The condition checked and the target's size (BFL's target_width / target_height; default the condition's). */
export function kontextTarget(image: Tensor<"u8">, width?: number, height?: number): KontextTarget {
  const condition = checkConditionImage(image);
  return { width: targetSide("width", width, condition.width), height: targetSide("height", height, condition.height), condition };
}

/** BFL get_noise(1, height, width, bfloat16, seed), upcast: torch.randn([1, 16, 2 ceil(h/16), 2 ceil(w/16)]) in bfloat16. */
export function kontextNoise(seed: number, width: number, height: number): Tensor<"f32"> {
  const dims = [1, LATENT_CHANNELS, 2 * Math.ceil(height / 16), 2 * Math.ceil(width / 16)];
  return drawNormal(new TorchGenerator(seed), dims, "bf16");
}

export interface KontextSampler extends Sampler<SamplerCandidate> {
  readonly target: KontextTarget;
  /** The references through the VAE encoder: the condition tokens and their ids, batch 1. */
  readonly encoded: KontextConditioning;
  /** [1, L, 3]: the noisy tokens' ids (0, row, col). */
  readonly imgIds: Tensor<"f32">;
  readonly imageTokens: number;
  /** The references' sizes (the image to edit's first) when there are further ones. */
  readonly references: { readonly sizes: readonly { width: number; height: number }[]; readonly placement: ReferencePlacement } | null;
}

/** Encodes every reference once; `steps` and `guidance` are the run's. */
export async function kontextSampler(
  vae: Vae,
  request: KontextRequest,
  target: KontextTarget,
  run: { readonly steps: number; readonly guidance: number },
): Promise<KontextSampler> {
  const h = target.height / 8;
  const w = target.width / 8;
  const imageTokens = (h / 2) * (w / 2);
  const references = request.references ?? [];
  const placement = request.placement ?? DEFAULT_REFERENCE_PLACEMENT;
  const condition = await prepareKontext(vae, [request.image, ...references], placement);
  const imgIds = imageIds(1, h / 2, w / 2);
  const { txt, y } = request;
  return {
    target,
    encoded: condition,
    imgIds,
    imageTokens,
    references: references.length === 0 ? null : { sizes: [target.condition, ...references.map((r) => checkConditionImage(r))], placement },
    latentHeight: h,
    latentWidth: w,
    // The shift follows the noisy tokens only: the condition's tokens do not lengthen the schedule.
    schedule: getSchedule(run.steps, imageTokens),
    toUint8: "truncate",
    candidate: (seed) => ({ seed, noise: kontextNoise(seed, target.width, target.height) }),
    conditioning(candidates): DenoiseConditioning {
      const b = candidates.length;
      if (b < 1) throw new InvalidArgumentError("a batch needs at least one candidate");
      return {
        imgCondSeq: { tokens: repeatBatch(condition.tokens, b), ids: repeatBatch(condition.ids, b) },
        imgIds: repeatBatch(imgIds, b),
        txt: repeatBatch(txt, b),
        txtIds: textIds(b, txt.dims[1] as number),
        y: repeatBatch(y, b),
        guidance: new Array<number>(b).fill(run.guidance),
      };
    },
  };
}

/** The record of a run on `sampler` with `seed` (plain, or the winner of a selection). */
export function kontextRecord(
  sampler: KontextSampler,
  run: {
    readonly seed: number;
    readonly steps: number;
    readonly guidance: number;
    readonly cache?: StepCacheRecord;
    readonly timings: RunTimings;
  },
): KontextRecord {
  const { target } = sampler;
  return {
    conventions: "bfl",
    seed: run.seed,
    steps: run.steps,
    guidance: run.guidance,
    width: target.width,
    height: target.height,
    imageTokens: sampler.imageTokens,
    condition: { ...target.condition, tokens: sampler.encoded.tokens.dims[1] as number },
    ...(sampler.references ? { references: sampler.references } : {}),
    schedule: [...sampler.schedule],
    ...(run.cache ? { cache: run.cache } : {}),
    timings: run.timings,
  };
}
