/**
 * One job's edit, as both the in-process worker and `icedit worker` run it: decode the upload
 * (pixel limit first), edit (plain, or with noise selection when the job asks and a judge is
 * configured), encode the result, and for noise selection the candidates' previews as one
 * contact sheet with the winner framed.
 */
import { IceditError } from "../errors.js";
import { decodeImage, encodeImage } from "../image/index.js";
import type { EditOptions } from "../pipelines/icedit/edit.js";
import { previewSheet, type CandidatePreview, type SelectionEditOptions, type TournamentComparison } from "../pipelines/noise-selection/index.js";
import type { Tensor } from "../tensor.js";
import type { Judge } from "../vlm/judge.js";
import type { EditParams, JobProgress } from "./job.js";

/** What the workers need of a model session (IceditSession has it). */
export interface Editor {
  edit(image: Tensor<"u8">, instruction: string, options: EditOptions): Promise<{ readonly image: Tensor<"u8">; readonly record: unknown }>;
  editWithSelection(
    image: Tensor<"u8">,
    instruction: string,
    options: SelectionEditOptions,
  ): Promise<{ readonly image: Tensor<"u8">; readonly previews: readonly CandidatePreview[]; readonly record: { readonly tournament: { readonly winner: number } } }>;
}

export interface EditHooks {
  readonly signal: AbortSignal;
  readonly onProgress: (progress: JobProgress) => void;
  readonly onWarning: (message: string) => void;
  readonly onComparison: (comparison: Pick<TournamentComparison, "a" | "b" | "choice">) => void;
  readonly onWinner: (seed: number) => void;
}

export interface EditOutcome {
  /** The edited image, PNG. */
  readonly png: Uint8Array;
  /** Noise selection: the candidates' early previews as one PNG, the winner framed. */
  readonly candidates: Uint8Array | null;
  readonly record: unknown;
}

/** A job asked for noise selection from a worker that has no judge. */
export class NoJudgeError extends IceditError {
  constructor() {
    super("this worker has no judge for noise selection (start it with --judge openai|ollama --judge-model NAME)");
  }
}

export async function runEdit(editor: Editor, judge: Judge | undefined, input: Uint8Array, params: EditParams, maxPixels: number, hooks: EditHooks): Promise<EditOutcome> {
  const pixels = await decodeImage(input, { name: "the uploaded image", maxPixels });
  const common = { seed: params.seed, steps: params.steps, guidance: params.guidance, width: params.width, signal: hooks.signal, onWarning: hooks.onWarning };
  if (!params.selection) {
    const result = await editor.edit(pixels, params.instruction, {
      ...common,
      onProgress: (p) => hooks.onProgress({ stage: p.stage, step: p.step, steps: p.steps }),
    });
    return { png: await encodeImage(result.image, "png"), candidates: null, record: result.record };
  }
  if (!judge) throw new NoJudgeError();
  const { candidates, earlySteps, fallback } = params.selection;
  const result = await editor.editWithSelection(pixels, params.instruction, {
    ...common,
    judge,
    fallback,
    candidates,
    earlySteps,
    onProgress: (p) => {
      hooks.onProgress({ stage: p.stage, step: p.step, steps: p.steps });
      if (p.comparison) hooks.onComparison({ a: p.comparison.a, b: p.comparison.b, choice: p.comparison.choice });
      if (p.winner !== undefined) hooks.onWinner(p.winner);
    },
  });
  const sheet = previewSheet(result.previews, result.record.tournament.winner);
  return { png: await encodeImage(result.image, "png"), candidates: await encodeImage(sheet, "png"), record: result.record };
}
