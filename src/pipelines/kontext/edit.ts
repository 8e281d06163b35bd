/**
 * A FLUX.1 Kontext [dev] edit: the source resized to the preferred Kontext size of its aspect
 * ratio, the instruction as the prompt (as it is: no wrapper), the Kontext sampler, and the output
 * at the resized size unless width / height say otherwise. With `selection`, several seeds run a
 * few steps, the judge compares their early previews (of the output, with the resized source as
 * the original) and only the winner runs to the end. Pure: pixels and resolved settings in (no
 * defaults here: the library applies them, KONTEXT_DEFAULTS), pixels and a record out.
 */
import type { StepCacheSettings } from "../step-cache/settings.js";
import { InvalidArgumentError } from "../../errors.js";
import { editSize } from "../../image/edit-size.js";
import type { Tensor } from "../../tensor.js";
import type { StepInfo } from "../fill/denoise.js";
import { EmptyInstructionError } from "../icedit/prompt.js";
import { editRecord, prepareEditInputs, type EditModels, type EditResult, type Size } from "../edit/inputs.js";
import { editProgressReporter, type EditProgress } from "../edit/progress.js";
import { editSelectionOptions, probeEditJudge, type SelectionSettings } from "../edit/selection.js";
import { kontext } from "./kontext.js";
import { kontextWithNoiseSelection } from "./select.js";
import type { ReferencePlacement } from "./references.js";
import { kontextSize } from "./resolution.js";
import { resizeImage } from "../../image/resize.js";

export interface KontextEditSettings {
  /** The noise seed; with selection, the first candidate's seed is selection.seeds[0] instead. */
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  /**
   * Size of the edited image (multiples of 16). Both absent: the source's Kontext size; one of
   * them: the other keeps that size's aspect (a multiple of 16, rounded to the nearest).
   */
  readonly width?: number;
  readonly height?: number;
  /**
   * Use the image at its own size (each side cut down to a multiple of 16) instead of the preferred
   * Kontext resolution of its aspect ratio (about one megapixel), as diffusers' _auto_resize=False.
   */
  readonly keepSize?: boolean;
  /**
   * Further reference images ([H, W, 3] uint8, any size): each is resized as the source is (its
   * preferred Kontext size, or its own with keepSize) and gets its own tokens after the source's.
   */
  readonly references?: readonly Tensor<"u8">[];
  /** Where the references sit on RoPE's axes (references.ts); default "offset" (ComfyUI's). */
  readonly referencePlacement?: ReferencePlacement;
  /** Noise selection (the references included); absent: a plain edit with `seed`. */
  readonly selection?: SelectionSettings;
  /** Step caching (First-Block Cache or TeaCache) of the denoising loop; absent: off. */
  readonly cache?: StepCacheSettings;
  /** The T5 sequence length; absent: the model's (512). */
  readonly maxTextTokens?: number;
  readonly onProgress?: (progress: EditProgress) => void;
  readonly onStep?: (info: StepInfo) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** The output size: as given, or the resized source's, one side following the other's aspect. */
export function kontextOutputSize(resized: Size, width?: number, height?: number): Size {
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined) return editSize(resized.width, resized.height, width);
  if (height !== undefined) {
    const flipped = editSize(resized.height, resized.width, height);
    return { width: flipped.height, height };
  }
  return { width: resized.width, height: resized.height };
}

/** The size the source is used at: the preferred Kontext size, or its own cut down to multiples of 16. */
export function kontextInputSize(width: number, height: number, keepSize = false): Size {
  if (!keepSize) {
    const preferred = kontextSize(width, height);
    return { width: preferred.width, height: preferred.height };
  }
  const size = { width: 16 * Math.floor(width / 16), height: 16 * Math.floor(height / 16) };
  if (size.width < 16 || size.height < 16)
    throw new InvalidArgumentError(`the image is ${width}x${height}: at its own size Kontext needs at least 16x16 pixels`);
  return size;
}

export async function kontextEdit(
  models: EditModels,
  source: Tensor<"u8">,
  instruction: string,
  settings: KontextEditSettings,
): Promise<EditResult> {
  const started = performance.now();
  const prompt = instruction.trim();
  if (!prompt) throw new EmptyInstructionError();
  if (source.dims.length !== 3 || source.dims[2] !== 3) throw new InvalidArgumentError("the image to edit must be RGB, [height, width, 3]");
  const report = editProgressReporter(started, settings.onProgress);
  // The judge before any other work: an unreachable one fails in milliseconds.
  const judging = await probeEditJudge(settings.selection, report, settings.onWarning);
  const resized = kontextInputSize(source.dims[1] as number, source.dims[0] as number, settings.keepSize);
  const inputs = await prepareEditInputs(models.text, source, prompt, resized, started, {
    onStage: (stage, step) => report({ stage, step, steps: 1 }),
    onWarning: settings.onWarning,
    maxTextTokens: settings.maxTextTokens,
  });
  const references: Tensor<"u8">[] = [];
  for (const reference of settings.references ?? []) {
    if (reference.dims.length !== 3 || reference.dims[2] !== 3)
      throw new InvalidArgumentError("every reference image must be RGB, [height, width, 3]");
    const [h, w] = reference.dims as [number, number];
    const size = kontextInputSize(w, h, settings.keepSize);
    references.push(size.width === w && size.height === h ? reference : await resizeImage(reference, size.width, size.height));
  }
  const output = kontextOutputSize(resized, settings.width, settings.height);
  const { embedding } = inputs.encoded;
  const samplingModels = { transformer: models.transformer, vae: models.vae };
  const request = {
    image: inputs.resized,
    txt: embedding.txt,
    y: embedding.y,
    ...(references.length === 0 ? {} : { references, placement: settings.referencePlacement }),
  };
  const common = {
    steps: settings.steps,
    guidance: settings.guidance,
    width: output.width,
    height: output.height,
    signal: settings.signal,
    ...(settings.cache ? { cache: settings.cache } : {}),
  };
  const { steps, guidance } = settings;
  if (!judging) {
    const result = await kontext(samplingModels, request, { ...common, seed: settings.seed, onStep: settings.onStep, onProgress: report });
    return {
      image: result.image,
      previews: [],
      record: editRecord(inputs, { method: "kontext", instruction, seed: settings.seed, steps, guidance, output, fill: result.record }),
    };
  }
  const result = await kontextWithNoiseSelection(samplingModels, request, {
    ...common,
    ...editSelectionOptions(judging, { instruction, original: inputs.resized }),
    onProgress: report,
  });
  const seed = result.tournament.winner;
  return {
    image: result.image,
    previews: result.previews,
    record: {
      ...editRecord(inputs, { method: "kontext", instruction, seed, steps, guidance, output, fill: result.record }),
      tournament: result.tournament,
    },
  };
}
