/** VLM-guided early-filter noise selection (docs/icedit.md §4). */
export { fillWithNoiseSelection, probeJudge, type SelectionOptions, type SelectionResult, type JudgeFallback, type ProbeOutcome } from "./select.js";
export { decodePreviews, type CandidatePreview } from "./previews.js";
export { editWithNoiseSelection, type SelectionEditOptions, type SelectionEditProgress, type SelectionEditRecord, type SelectionEditResult } from "./edit.js";
export { candidateSeeds, earlyStepsFor, selectionCost, SELECTION_DEFAULTS, type SeedOptions } from "./plan.js";
export { runTournament, type TournamentInput, type TournamentResult } from "./tournament.js";
export { previewSheet } from "./sheet.js";
export type { TournamentRecord, TournamentComparison, JudgeRecord, SelectionProgress, SelectionStage } from "./record.js";
