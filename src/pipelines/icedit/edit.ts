/**
 * ICEdit's in-context edit: the source resized to the edit width (height a multiple of 16), placed
 * on the left of a diptych whose right half is masked, repainted by FLUX.1 Fill under the IC
 * prompt, and the right half cropped out. With `selection`, several seeds run a few steps, a judge
 * picks the best early preview and only the winner runs to the end (noise selection). Pure:
 * pixels and resolved settings in (no defaults here: the library applies them), pixels and a
 * record out.
 */
import { cropRightHalf, makeDiptych } from "../../image/diptych.js";
import { editSize } from "../../image/edit-size.js";
import type { Tensor } from "../../tensor.js";
import { fill } from "../fill/fill.js";
import type { FillConventions } from "../fill/conventions.js";
import type { StepInfo } from "../fill/denoise.js";
import { fillWithNoiseSelection } from "../noise-selection/select.js";
import { editSelectionOptions, probeEditJudge, type SelectionSettings } from "../edit/selection.js";
import {
  editRecord,
  prepareEditInputs,
  type EditInputs,
  type EditModels,
  type EditRecord,
  type EditResult,
  type Size,
  type TrueCfgSettings,
} from "../edit/inputs.js";
import { editProgressReporter, type EditProgress } from "../edit/progress.js";
import { icPrompt } from "./prompt.js";
import type { StepCacheSettings } from "../step-cache/settings.js";

export interface EditSettings {
  /** The noise seed; with selection, the first candidate's seed is selection.seeds[0] instead. */
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  /** Width of the edited image (the diptych is twice as wide); a multiple of 16. */
  readonly width: number;
  readonly conventions: FillConventions;
  /** True classifier-free guidance; absent: off (one transformer run per step). */
  readonly trueCfg?: TrueCfgSettings;
  /** Noise selection; absent: a plain edit with `seed`. */
  readonly selection?: SelectionSettings;
  /** Step caching (First-Block Cache or TeaCache); absent: off. */
  readonly cache?: StepCacheSettings;
  /** The T5 sequence length (text tokens, padded or cut to it); absent: the model's (512, or its tokenizer's shorter model_max_length). */
  readonly maxTextTokens?: number;
  readonly onProgress?: (progress: EditProgress) => void;
  /** Each denoising step's latents (plain edits only). */
  readonly onStep?: (info: StepInfo) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export type { EditMethod, EditModels, EditRecord, EditResult, TrueCfgSettings } from "../edit/inputs.js";
export type { SelectionSettings } from "../edit/selection.js";
export type { EditProgress, EditStage } from "../edit/progress.js";

export async function editImage(
  models: EditModels,
  source: Tensor<"u8">,
  instruction: string,
  settings: EditSettings,
): Promise<EditResult> {
  const started = performance.now();
  const prompt = icPrompt(instruction);
  const report = editProgressReporter(started, settings.onProgress);

  // The judge before any other work: an unreachable one fails in milliseconds.
  const judging = await probeEditJudge(settings.selection, report, settings.onWarning);

  const size = editSize(source.dims[1] as number, source.dims[0] as number, settings.width);
  const inputs = await prepareEditInputs(models.text, source, prompt, size, started, {
    onStage: (stage, step) => report({ stage, step, steps: 1 }),
    onWarning: settings.onWarning,
    maxTextTokens: settings.maxTextTokens,
    negativePrompt: settings.trueCfg?.negativePrompt,
  });
  const fillModels = { transformer: models.transformer, vae: models.vae };
  const { encoded } = inputs;
  const diptych = makeDiptych(inputs.resized);
  const negative =
    inputs.negative && settings.trueCfg
      ? { txt: inputs.negative.embedding.txt, y: inputs.negative.embedding.y, scale: settings.trueCfg.scale }
      : undefined;
  const request = { image: diptych.image, mask: diptych.mask, txt: encoded.embedding.txt, y: encoded.embedding.y, negative };
  const common = {
    steps: settings.steps,
    guidance: settings.guidance,
    conventions: settings.conventions,
    signal: settings.signal,
    ...(settings.cache ? { cache: settings.cache } : {}),
  };

  if (!judging) {
    const result = await fill(fillModels, request, { ...common, seed: settings.seed, onStep: settings.onStep, onProgress: report });
    return {
      image: cropRightHalf(result.image),
      previews: [],
      record: recordOf(inputs, size, instruction, settings, result.record.seed, result.record),
    };
  }
  const result = await fillWithNoiseSelection(fillModels, request, {
    ...common,
    ...editSelectionOptions(judging, { instruction, original: inputs.resized, view: cropRightHalf }),
    onProgress: report,
  });
  return {
    image: cropRightHalf(result.image),
    previews: result.previews,
    record: { ...recordOf(inputs, size, instruction, settings, result.tournament.winner, result.record), tournament: result.tournament },
  };
}

function recordOf(
  inputs: EditInputs,
  output: Size,
  instruction: string,
  settings: EditSettings,
  seed: number,
  fillRecord: EditRecord["fill"],
): EditRecord {
  const { steps, guidance, trueCfg } = settings;
  return editRecord(inputs, {
    method: "icedit",
    instruction,
    seed,
    steps,
    guidance,
    ...(trueCfg ? { trueCfg } : {}),
    output,
    fill: fillRecord,
  });
}
