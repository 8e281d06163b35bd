/** VLM-guided early-filter noise selection (docs/icedit.md §4); an edit runs it through its method's `selection`. */
export {
  fillWithNoiseSelection,
  probeJudge,
  type SelectionOptions,
  type SelectionResult,
  type JudgeFallback,
  type ProbeOutcome,
} from "./select.js";
export { runSelection, type NoiseSelectionOptions, type SelectionRun, type SelectionModels } from "./run.js";
export type { SamplerCandidate, Sampler } from "../sampler/sampler.js";
export { decodePreviews, type CandidatePreview } from "./previews.js";
export { candidateSeeds, earlyStepsFor, selectionCost, type SeedOptions } from "./plan.js";
export { runTournament, type TournamentInput, type TournamentResult } from "./tournament.js";
export { previewSheet } from "./sheet.js";
export type { TournamentRecord, TournamentComparison, JudgeRecord, SelectionProgress, SelectionStage } from "./record.js";
