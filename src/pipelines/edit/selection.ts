/**
 * Noise selection in an edit, whichever the method: the settings the library resolved, the judge's
 * probe before any other work of the edit, and the options the method's selection run takes.
 */
import type { Tensor } from "../../tensor.js";
import type { Judge } from "../../vlm/judge.js";
import { probeJudge, type JudgeFallback, type ProbeOutcome } from "../noise-selection/judge-probe.js";
import type { NoiseSelectionOptions } from "../noise-selection/run.js";
import type { StageReport } from "./progress.js";

/** Noise selection, resolved: the candidates' seeds (in tournament order) and the early steps m. */
export interface SelectionSettings {
  readonly judge: Judge;
  readonly fallback: JudgeFallback;
  readonly seeds: readonly number[];
  /** m, capped at steps - 1. */
  readonly earlySteps: number;
  /** Candidates per transformer run in the early steps (default all). */
  readonly batchSize?: number;
  /** Previews per VAE decoder run (default all). */
  readonly previewBatch?: number;
}

/** An edit's selection whose judge was probed. */
export interface ProbedSelection {
  readonly selection: SelectionSettings;
  readonly probed: ProbeOutcome;
}

/**
 * Probes the judge of an edit's selection (an unreachable one fails in milliseconds); under the
 * fallback, warns that the first seed wins. No selection: undefined, nothing done.
 */
export async function probeEditJudge(
  selection: SelectionSettings | undefined,
  report: (report: StageReport) => void,
  onWarning: ((message: string) => void) | undefined,
): Promise<ProbedSelection | undefined> {
  if (!selection) return undefined;
  report({ stage: "probe", step: 0, steps: 1 });
  const probed = await probeJudge(selection.judge, selection.seeds.length, selection.fallback);
  if (probed.failure !== null)
    onWarning?.(`the judge cannot be used (${probed.failure}); the first seed, ${selection.seeds[0]}, wins without a tournament`);
  report({ stage: "probe", step: 1, steps: 1 });
  return { selection, probed };
}

/** The selection run's options of an edit: its settings, the probe's outcome, what the judge is shown. */
export function editSelectionOptions(
  { selection, probed }: ProbedSelection,
  judged: { readonly instruction: string; readonly original: Tensor<"u8">; readonly view?: (image: Tensor<"u8">) => Tensor<"u8"> },
): Omit<NoiseSelectionOptions, "steps" | "guidance"> {
  return {
    seeds: selection.seeds,
    earlySteps: selection.earlySteps,
    judge: selection.judge,
    fallback: selection.fallback,
    probed,
    instruction: judged.instruction,
    original: judged.original,
    ...(judged.view ? { view: judged.view } : {}),
    batchSize: selection.batchSize,
    previewBatch: selection.previewBatch,
  };
}
