/**
 * An edit's progress events, plain or with noise selection: each says its stage and whether it is
 * the stage's first event, where the stage's count starts and whether its units are denoising
 * steps, so that a face (CLI, server, web page) shows them without knowing the pipeline's order.
 */
import type { FillStage } from "../fill/fill.js";
import type { SelectionStage, TournamentComparison } from "../noise-selection/record.js";

/** In order: probe (selection), resize, text, prepare, then denoise (plain) or early, preview, compare, winner, continue (selection), decode. */
export type EditStage = "resize" | "text" | FillStage | SelectionStage;

/** The stages whose units are transformer steps (denoise, early, continue). */
const DENOISING: ReadonlySet<EditStage> = new Set<EditStage>(["denoise", "early", "continue"]);

export interface EditProgress {
  readonly stage: EditStage;
  /** Units of the stage done: denoise and continue count the run's steps (continue: m + 1 .. n), early its batched runs. */
  readonly step: number;
  readonly steps: number;
  /** Where the stage's count starts: m for continue, else 0 (units done in this stage: step - from). */
  readonly from: number;
  /** The stage's first event (it has just begun, or, for a stage of one instant, happened). */
  readonly first: boolean;
  /** Whether the units are transformer steps (denoise, early, continue), as a face shows them with a step bar. */
  readonly denoising: boolean;
  /** Milliseconds since the edit began. */
  readonly ms: number;
  /** compare: the comparison just made. */
  readonly comparison?: TournamentComparison;
  /** winner: the winning seed. */
  readonly winner?: number;
}

/** What the pipeline stages report, before the edit adds its own fields. */
export interface StageReport {
  readonly stage: EditStage;
  readonly step: number;
  readonly steps: number;
  readonly from?: number;
  readonly comparison?: TournamentComparison;
  readonly winner?: number;
}

/** A reporter that turns stage reports into EditProgress events (ms from `started`; `first` when the stage changes). */
export function editProgressReporter(
  started: number,
  onProgress: ((progress: EditProgress) => void) | undefined,
): (report: StageReport) => void {
  let current: EditStage | null = null;
  return (report) => {
    const first = report.stage !== current;
    current = report.stage;
    if (!onProgress) return;
    const { stage, step, steps, comparison, winner } = report;
    onProgress({
      stage,
      step,
      steps,
      from: report.from ?? 0,
      first,
      denoising: DENOISING.has(stage),
      ms: performance.now() - started,
      ...(comparison === undefined ? {} : { comparison }),
      ...(winner === undefined ? {} : { winner }),
    });
  };
}
