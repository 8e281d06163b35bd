/** icedit's library API. */
export {
  IceditSession,
  edit,
  DEFAULT_MODEL,
  type OpenOptions,
  type EditRequest,
  type SessionEditResult,
  type SessionRecord,
  type ModelIdentity,
  type ImageInput,
} from "./api/session.js";
export { convertModel, type ConvertOptions } from "./api/open-model.js";
export { precisionOf, type Precision, type PrecisionChoice, type PrecisionKind } from "./components/precision.js";
export type { MemoryRecord, MemoryPlanKind } from "./api/memory-plan.js";
export type { StageMemory } from "./api/stage-memory.js";
export { EDIT_DEFAULTS, KONTEXT_DEFAULTS } from "./api/edit-defaults.js";
export { EDIT_METHODS, EditMethodError, type EditMethod } from "./api/edit-method.js";
export { kontextSize, PREFERRED_KONTEXT_RESOLUTIONS, type KontextSize } from "./pipelines/kontext/resolution.js";
export { CACHE_FORMS, resolveStepCache, type StepCacheOption } from "./api/step-cache-option.js";
export type { StepCacheRecord, StepCacheSettings, StepCacheKind } from "./pipelines/step-cache/settings.js";
export {
  checkEditInputs,
  checkedEditSettings,
  CONVENTION_NAMES,
  JUDGE_FALLBACKS,
  type EditOptions,
  type SelectionOptions,
  type ConventionsName,
} from "./api/edit-options.js";
export type { EditRecord, EditProgress, EditStage } from "./pipelines/icedit/edit.js";
export { DEFAULT_REFERENCE_PLACEMENT, REFERENCE_PLACEMENTS, type ReferencePlacement } from "./pipelines/kontext/references.js";
export { readImage, decodeImage, writeImage, encodeImage } from "./image/index.js";
export { makeDemoModel } from "./demo/make-demo-model.js";
export { checkGolden } from "./golden/check.js";
export { IceditError, InvalidArgumentError } from "./errors.js";
export { EditOptionError } from "./api/errors.js";
export { DEFAULT_EDIT_LIMITS, THREADS_PER_CORE, type EditLimits } from "./api/edit-limits.js";
export { CancelledError, NonFiniteLatentError } from "./pipelines/fill/errors.js";
export type { Tensor, DType } from "./tensor.js";
export {
  fillWithNoiseSelection,
  previewSheet,
  type CandidatePreview,
  type JudgeFallback,
  type TournamentRecord,
  type TournamentComparison,
} from "./pipelines/noise-selection/index.js";
export {
  createJudge,
  judgeFromFunction,
  OpenAiJudge,
  OllamaJudge,
  parseChoice,
  pairwisePrompt,
  type Judge,
  type JudgeRequest,
  type JudgeVerdict,
  type JudgeConfig,
} from "./vlm/index.js";
export * from "./vlm/errors.js";
export { contactSheet } from "./image/contact-sheet.js";
export { parseAdapterSpec, AdapterSpecError, type AdapterSpec } from "./weights/hub/lora-locator.js";
export { train, type TrainResult } from "./api/train.js";
export {
  TRAIN_DEFAULTS,
  ADAPTER_KINDS,
  TRAIN_OPTIMIZERS,
  TRAIN_QUANTS,
  resolveTrainOptions,
  type TrainOptions,
  type TrainSettings,
  type TrainOptimizer,
} from "./api/train-options.js";
export {
  openTrainingRun,
  type TrainingRun,
  type TrainingRunFactory,
  type TrainingRunRequest,
  type AdapterSettings,
  type AdapterKind,
  type TrainQuant,
} from "./api/training-run.js";
export {
  adapterFileMetadata,
  TrainingError,
  TrainOptionError,
  NonFiniteTrainingError,
  TrainingDataError,
  CheckpointError,
  ResumeMismatchError,
  type AdapterShape,
  type TrainEvent,
  type TrainStepEvent,
  type PreparedDataset,
  type PreparedExample,
  type StepBatch,
  type LossAndGrads,
  type SampleEdit,
  type RunFingerprint,
} from "./train/loop/index.js";
export {
  MetricModels,
  MAGICBRUSH_CLIP_MODEL,
  EMU_EDIT_CLIP_MODEL,
  DINO_MODEL,
  type MetricModelsOptions,
  type EditToMeasure,
} from "./api/metric-models.js";
export { openBench, type OpenBenchOptions } from "./eval/bench/open-bench.js";
export { BadSampleError, BenchDataError, type Bench, type BenchSample, type BenchSkip } from "./eval/bench/bench.js";
export { runEval, type RunEvalOptions, type EvalProgress } from "./eval/run/run-eval.js";
export { EvalStore, EvalStoreError } from "./eval/run/eval-store.js";
export type { SampleRecord } from "./eval/run/sample-record.js";
export { evalReport, type EvalReport } from "./eval/report/eval-report.js";
export { vlmScore, type VlmScore } from "./eval/vlm/vlm-score.js";
