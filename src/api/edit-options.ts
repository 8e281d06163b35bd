/**
 * What a caller may ask of an edit (everything optional), and the one place where what it leaves
 * out is filled in from EDIT_DEFAULTS and the whole is checked before any work: the pipeline gets
 * settings with no gaps.
 */
import { InvalidArgumentError } from "../errors.js";
import { CONVENTIONS, type FillConventions } from "../pipelines/fill/conventions.js";
import type { EditProgress, EditSettings, SelectionSettings, TrueCfgSettings } from "../pipelines/icedit/edit.js";
import type { StepInfo } from "../pipelines/fill/denoise.js";
import { icPrompt } from "../pipelines/icedit/prompt.js";
import { candidateSeeds, earlyStepsFor } from "../pipelines/noise-selection/plan.js";
import { checkJudgeFallback, JUDGE_FALLBACKS, type JudgeFallback } from "../pipelines/noise-selection/select.js";
import type { Judge } from "../vlm/judge.js";
import type { ReferencePlacement } from "../pipelines/kontext/references.js";
import type { Tensor } from "../tensor.js";
import { EDIT_DEFAULTS } from "./edit-defaults.js";
import type { EditLimits } from "./edit-limits.js";
import { checkEditRequest } from "./edit-validation.js";
import { EditOptionError } from "./errors.js";
import { checkMaxTextTokens, resolveStepCache, type StepCacheOption } from "./step-cache-option.js";

/** An image as the library takes it: a file path, encoded bytes, or [H, W, 3] u8 pixels. */
export type ImageInput = string | Uint8Array | Tensor<"u8">;

export type ConventionsName = FillConventions["name"];
export const CONVENTION_NAMES = Object.keys(CONVENTIONS) as readonly ConventionsName[];
export { JUDGE_FALLBACKS };

/** Noise selection: several seeds run a few steps, the judge picks the best early preview, only the winner runs on. */
export interface SelectionOptions {
  readonly judge: Judge;
  readonly fallback?: JudgeFallback;
  /** M, the number of candidates: seed, seed + 1, ... (default EDIT_DEFAULTS.candidates). */
  readonly candidates?: number;
  /** The candidates' seeds instead, in tournament order. */
  readonly seeds?: readonly number[];
  /** m, the steps before judging, capped at steps - 1 (default EDIT_DEFAULTS.earlySteps). */
  readonly earlySteps?: number;
  /** Candidates per transformer run in the early steps (default all). */
  readonly batchSize?: number;
  /** Previews per VAE decoder run (default all). */
  readonly previewBatch?: number;
}

export interface EditOptions {
  readonly seed?: number;
  readonly steps?: number;
  readonly guidance?: number;
  /**
   * Width of the edited image, a multiple of 16. ICEdit: the source is resized to it (the diptych
   * is twice as wide). Kontext: the output's width (default: the size Kontext resizes the source to).
   */
  readonly width?: number;
  /** Kontext only: the output's height, a multiple of 16 (ICEdit's follows the source's aspect). */
  readonly height?: number;
  /**
   * Kontext only: use the image at its own size (sides cut down to multiples of 16) instead of the
   * preferred Kontext resolution of its aspect ratio (about one megapixel).
   */
  readonly keepSize?: boolean;
  /**
   * Kontext only: further reference images after the image to edit (file paths, encoded bytes or
   * [H, W, 3] u8 pixels), each resized like it and given its own tokens. ICEdit edits one image.
   */
  readonly references?: readonly ImageInput[];
  /**
   * Kontext only: where the references sit on RoPE's axes: "offset" (default, ComfyUI's: all at
   * index 1, tiled as one mosaic) or "index" (reference k at index k, each from row / col 0).
   */
  readonly referencePlacement?: ReferencePlacement;
  /**
   * ICEdit only: true classifier-free guidance (diffusers' true_cfg_scale). Above 1, each step also
   * runs the transformer on `negativePrompt` and follows v_neg + scale (v - v_neg): twice the
   * transformer's time. Default 1 (off), or the model folder's own (icedit.json).
   */
  readonly trueCfgScale?: number;
  /** ICEdit only: true CFG's negative prompt (with trueCfgScale > 1); default " ", what ICEdit's training drops the text to. */
  readonly negativePrompt?: string;
  /** ICEdit only: the fill's conventions (Kontext follows BFL's cli_kontext). */
  readonly conventions?: ConventionsName;
  /** Noise selection; absent: a plain edit with `seed`. */
  readonly selection?: SelectionOptions;
  /**
   * Step caching, off by default: "fbcache" (First-Block Cache) or "teacache", optionally with a
   * threshold ("fbcache:0.1", or { kind, threshold }); "none": off. The record lists the skipped steps.
   */
  readonly cache?: StepCacheOption;
  /** The T5 sequence length, 1 to 512 (e.g. 128 for a short instruction); default 512, or the model's shorter tokenizer length. */
  readonly maxTextTokens?: number;
  readonly onProgress?: (progress: EditProgress) => void;
  /** Each denoising step's latents (plain edits only). */
  readonly onStep?: (info: StepInfo) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * The checks of an edit request that need no model (which decides the method): types, limits, a
 * non-empty instruction, known conventions, and noise selection's settings against the steps.
 */
export function checkEditInputs(image: unknown, instruction: unknown, options: EditOptions, limits: EditLimits): void {
  checkEditRequest(image, instruction, options, limits);
  icPrompt(instruction as string);
  if (options.conventions !== undefined) conventionsOf(options.conventions);
  if (options.selection) resolveSelection(options.selection, options.seed ?? EDIT_DEFAULTS.seed, options.steps ?? EDIT_DEFAULTS.steps);
}

function conventionsOf(name: ConventionsName): FillConventions {
  const conventions = CONVENTIONS[name];
  if (!conventions) throw new InvalidArgumentError(`conventions must be one of ${CONVENTION_NAMES.join(", ")}, got "${String(name)}"`);
  return conventions;
}

/**
 * An ICEdit request checked whole before any work (types and limits, the instruction, then the
 * options against each other) and completed: the settings the pipeline takes.
 */
export function checkedEditSettings(image: unknown, instruction: unknown, options: EditOptions, limits: EditLimits): EditSettings {
  checkEditInputs(image, instruction, options, limits);
  return resolveEditOptions(options);
}

/** The edit's settings: `options` with EDIT_DEFAULTS where it is silent, checked. */
export function resolveEditOptions(options: EditOptions): EditSettings {
  if (options.height !== undefined) {
    const message = "height applies to FLUX.1 Kontext edits; ICEdit's height follows the source's aspect at the edit width";
    throw new EditOptionError("height", options.height, message);
  }
  if (options.keepSize !== undefined)
    throw new EditOptionError("keepSize", options.keepSize, "keepSize applies to FLUX.1 Kontext edits; ICEdit resizes to the edit width");
  if (options.references !== undefined && options.references.length > 0) {
    const message = `ICEdit edits one image, but ${options.references.length + 1} were given: several reference images need a FLUX.1 Kontext model (e.g. black-forest-labs/FLUX.1-Kontext-dev)`;
    throw new EditOptionError("references", `${options.references.length} more`, message);
  }
  if (options.referencePlacement !== undefined)
    throw new EditOptionError(
      "referencePlacement",
      options.referencePlacement,
      "referencePlacement applies to FLUX.1 Kontext edits with several images",
    );
  const conventions = conventionsOf(options.conventions ?? EDIT_DEFAULTS.conventions);
  const seed = options.seed ?? EDIT_DEFAULTS.seed;
  const steps = options.steps ?? EDIT_DEFAULTS.steps;
  const cache = resolveStepCache(options.cache);
  const trueCfg = resolveTrueCfg(options);
  if (trueCfg && cache)
    throw new EditOptionError("cache", options.cache, "step caching and true CFG (trueCfgScale > 1) cannot be combined yet: leave one out");
  const settings: EditSettings = {
    seed,
    steps,
    guidance: options.guidance ?? EDIT_DEFAULTS.guidance,
    width: options.width ?? EDIT_DEFAULTS.width,
    conventions,
    ...optional("trueCfg", trueCfg),
    ...optional("cache", cache),
    ...optional("maxTextTokens", checkMaxTextTokens(options.maxTextTokens)),
    onProgress: options.onProgress,
    onStep: options.onStep,
    onWarning: options.onWarning,
    signal: options.signal,
  };
  return options.selection ? { ...settings, selection: resolveSelection(options.selection, seed, steps) } : settings;
}

/** True CFG's settings, or undefined when off (scale 1); a negative prompt without a scale above 1 is refused. */
function resolveTrueCfg(options: EditOptions): TrueCfgSettings | undefined {
  const scale = options.trueCfgScale ?? EDIT_DEFAULTS.trueCfgScale;
  if (scale === 1) {
    if (options.negativePrompt !== undefined) {
      const message = "negativePrompt is used by true CFG only: give trueCfgScale above 1 too (e.g. 2.5), or leave it out";
      throw new EditOptionError("negativePrompt", options.negativePrompt, message);
    }
    return undefined;
  }
  return { scale, negativePrompt: options.negativePrompt ?? EDIT_DEFAULTS.negativePrompt };
}

/** { key: value }, or {} when value is undefined (settings leave out what is off). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Noise selection's settings (either method): EDIT_DEFAULTS where `selection` is silent, the seeds and m checked against the steps. */
export function resolveSelection(selection: SelectionOptions, seed: number, steps: number): SelectionSettings {
  const fallback = checkJudgeFallback(selection.fallback ?? EDIT_DEFAULTS.judgeFallback);
  const candidates = selection.candidates ?? (selection.seeds === undefined ? EDIT_DEFAULTS.candidates : undefined);
  return {
    judge: selection.judge,
    fallback,
    seeds: candidateSeeds({ seeds: selection.seeds, seed, candidates }),
    earlySteps: earlyStepsFor(selection.earlySteps ?? EDIT_DEFAULTS.earlySteps, steps),
    batchSize: selection.batchSize,
    previewBatch: selection.previewBatch,
  };
}
