/** icedit's library API. */
export { IceditSession, edit, DEFAULT_MODEL, type OpenOptions, type EditRequest, type SessionEditResult, type SessionRecord, type ModelIdentity, type ImageInput } from "./api/session.js";
export { convertModel, type ConvertOptions } from "./api/open-model.js";
export { precisionOf, type Precision, type PrecisionChoice, type PrecisionKind } from "./components/precision.js";
export type { MemoryRecord, MemoryPlanKind } from "./api/memory-plan.js";
export type { StageMemory } from "./api/stage-memory.js";
export { EDIT_DEFAULTS, type EditOptions, type EditRecord, type EditProgress } from "./pipelines/icedit/edit.js";
export { readImage, decodeImage, writeImage, encodeImage } from "./image/index.js";
export { makeDemoModel } from "./demo/make-demo-model.js";
export { checkGolden } from "./golden/check.js";
export { IceditError, InvalidArgumentError } from "./errors.js";
export { CancelledError, NonFiniteLatentError } from "./pipelines/fill/errors.js";
export type { Tensor, DType } from "./tensor.js";
export { editWithNoiseSelection, fillWithNoiseSelection, previewSheet, type SelectionEditOptions, type TournamentRecord } from "./pipelines/noise-selection/index.js";
export { createJudge, judgeFromFunction, OpenAiJudge, OllamaJudge, parseChoice, pairwisePrompt, type Judge, type JudgeRequest, type JudgeVerdict, type JudgeConfig } from "./vlm/index.js";
export * from "./vlm/errors.js";
export { contactSheet } from "./image/contact-sheet.js";
