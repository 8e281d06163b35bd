/**
 * ICEdit's edit with noise selection: the same resize, diptych and IC prompt as editImage(), then
 * fillWithNoiseSelection() with the judge seeing each candidate's right half (the edit) and the
 * resized source as the original. The judge is probed before anything else runs.
 */
import { cropRightHalf } from "../../image/diptych.js";
import type { Tensor } from "../../tensor.js";
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "../fill/conventions.js";
import { EDIT_DEFAULTS, type EditModels, type EditRecord } from "../icedit/edit.js";
import { icPrompt } from "../icedit/prompt.js";
import { editRecord, prepareEditInputs } from "../icedit/edit-inputs.js";
import type { Judge } from "../../vlm/judge.js";
import type { SelectionProgress, TournamentRecord } from "./record.js";
import { fillWithNoiseSelection, probeJudge, type JudgeFallback } from "./select.js";
import type { CandidatePreview } from "./previews.js";
import { candidateSeeds, type SeedOptions } from "./plan.js";

export interface SelectionEditOptions extends SeedOptions {
  readonly judge: Judge;
  readonly fallback?: JudgeFallback;
  /** m (default 10), capped at steps - 1. */
  readonly earlySteps?: number;
  readonly steps?: number;
  readonly guidance?: number;
  readonly width?: number;
  readonly conventions?: FillConventions;
  readonly batchSize?: number;
  readonly previewBatch?: number;
  readonly onProgress?: (progress: SelectionEditProgress) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface SelectionEditProgress extends Omit<SelectionProgress, "stage"> {
  readonly stage: "resize" | "text" | SelectionProgress["stage"];
}

export interface SelectionEditRecord extends EditRecord {
  readonly tournament: TournamentRecord;
}

export interface SelectionEditResult {
  /** [h, w, 3] uint8: the winner's edit (the right half of its diptych). */
  readonly image: Tensor<"u8">;
  /** The candidates' early previews (right halves), in seed order. */
  readonly previews: readonly CandidatePreview[];
  readonly record: SelectionEditRecord;
}

export async function editWithNoiseSelection(models: EditModels, source: Tensor<"u8">, instruction: string, options: SelectionEditOptions): Promise<SelectionEditResult> {
  const started = performance.now();
  const prompt = icPrompt(instruction);
  const steps = options.steps ?? EDIT_DEFAULTS.steps;
  const guidance = options.guidance ?? EDIT_DEFAULTS.guidance;
  const seeds = candidateSeeds({ ...options, seed: options.seed ?? EDIT_DEFAULTS.seed });
  const report = (p: Omit<SelectionEditProgress, "ms">): void => options.onProgress?.({ ...p, ms: performance.now() - started });

  // The judge before any other work.
  report({ stage: "probe", step: 0, steps: 1 });
  const probed = await probeJudge(options.judge, seeds.length, options.fallback ?? "none");
  if (probed.failure !== null) options.onWarning?.(`the judge cannot be used (${probed.failure}); the first seed, ${seeds[0]}, wins without a tournament`);
  report({ stage: "probe", step: 1, steps: 1 });

  const inputs = await prepareEditInputs(models.text, source, prompt, options.width ?? EDIT_DEFAULTS.width, started, {
    onStage: (stage, step) => report({ stage, step, steps: 1 }),
    onWarning: options.onWarning,
  });
  const { diptych, encoded, resized } = inputs;

  const result = await fillWithNoiseSelection(
    { transformer: models.transformer, vae: models.vae },
    { image: diptych.image, mask: diptych.mask, txt: encoded.embedding.txt, y: encoded.embedding.y },
    {
      seeds,
      steps,
      guidance,
      earlySteps: options.earlySteps,
      judge: options.judge,
      fallback: options.fallback,
      probed,
      instruction,
      original: resized,
      view: cropRightHalf,
      batchSize: options.batchSize,
      previewBatch: options.previewBatch,
      conventions: options.conventions ?? DIFFUSERS_CONVENTIONS,
      signal: options.signal,
      onProgress: (p) => options.onProgress?.({ ...p, ms: performance.now() - started }),
    },
  );
  return {
    image: cropRightHalf(result.image),
    previews: result.previews,
    record: {
      ...editRecord(inputs, { instruction, seed: result.tournament.winner, steps, guidance, fill: result.record }),
      tournament: result.tournament,
    },
  };
}
