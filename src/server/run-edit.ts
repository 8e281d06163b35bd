/**
 * One job's edit, as both the in-process worker and `icedit worker` run it: decode the upload
 * (pixel limit first), edit through the library's one entry (with noise selection when the job
 * asks and a judge is configured), encode the result, and for noise selection the candidates'
 * previews as one contact sheet with the winner framed.
 */
import { IceditError } from "../errors.js";
import { decodeImage, encodeImage } from "../image/index.js";
import { previewSheet, type EditOptions, type SessionEditResult, type TournamentComparison } from "../index.js";
import type { Tensor } from "../tensor.js";
import type { Judge } from "../vlm/judge.js";
import type { EditParams, JobProgress } from "./job.js";
import { EditMethodError, type EditMethod } from "../api/edit-method.js";

/** What the workers need of a model session (IceditSession has it). */
export interface Editor {
  /** The method the model runs (a job that names another one fails, as --method would). */
  readonly method: EditMethod;
  edit(image: Tensor<"u8">, instruction: string, options: EditOptions): Promise<Pick<SessionEditResult, "image" | "previews" | "record">>;
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

export async function runEdit(
  editor: Editor,
  judge: Judge | undefined,
  input: Uint8Array,
  params: EditParams,
  maxPixels: number,
  hooks: EditHooks,
): Promise<EditOutcome> {
  const pixels = await decodeImage(input, { name: "the uploaded image", maxPixels });
  const asked = params.selection;
  if (asked && !judge) throw new NoJudgeError();
  const selection =
    asked && judge ? { judge, fallback: asked.fallback, candidates: asked.candidates, earlySteps: asked.earlySteps } : undefined;
  if (params.method !== undefined && params.method !== editor.method)
    throw new EditMethodError(
      "this worker's model",
      `runs ${editor.method}, not the ${params.method} the job asks for: submit it with method ${editor.method} or none, or run workers on a model of that method`,
    );
  const options: EditOptions = {
    seed: params.seed,
    steps: params.steps,
    guidance: params.guidance,
    trueCfgScale: params.trueCfgScale,
    negativePrompt: params.negativePrompt,
    width: params.width,
    height: params.height,
    cache: params.cache,
    maxTextTokens: params.maxTextTokens,
    selection,
    signal: hooks.signal,
    onWarning: hooks.onWarning,
    onProgress: (p) => {
      hooks.onProgress({ stage: p.stage, step: p.step, steps: p.steps });
      if (p.comparison) hooks.onComparison({ a: p.comparison.a, b: p.comparison.b, choice: p.comparison.choice });
      if (p.winner !== undefined) hooks.onWinner(p.winner);
    },
  };
  const result = await editor.edit(pixels, params.instruction, options);
  const png = await encodeImage(result.image, "png");
  const tournament = result.record.tournament;
  const candidates = tournament ? await encodeImage(previewSheet(result.previews, tournament.winner), "png") : null;
  return { png, candidates, record: result.record };
}
