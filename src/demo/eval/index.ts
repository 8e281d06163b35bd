/** Scoring edits of the demo world (issue 15, item 5) and its rule-based judge for noise selection. */
export * from "./errors.js";
export { COLOURS, COLOUR_NAMES, type ColourName, type Rgb } from "./palette.js";
export {
  parseInstruction,
  EDIT_KINDS,
  SHAPE_KINDS,
  CORNERS,
  type DemoInstruction,
  type EditKind,
  type ShapeKind,
  type Corner,
} from "./instruction.js";
export { scoreEdit, scoreSameSize, SCORE_RULE, type EditImages, type EditScore } from "./score.js";
export { outsideMask, EDGE_MARGIN, type OutsideMaskInputs } from "./outside-mask.js";
export { imageMasks, CHANGE_THRESHOLD, type ImageMasks } from "./image-masks.js";
export type { EvalExample, EvalTriplet } from "./eval-example.js";
export { readScenesFolder, SCENES_FILE, type ScenesFolder, type SceneEditLine } from "./scenes-folder.js";
export {
  accuracyTable,
  formatAccuracyMarkdown,
  type AccuracyTable,
  type AccuracyCell,
  type AccuracyRow,
  type ScoredEdit,
} from "./accuracy.js";
export { ShapesRuleJudge, scoreCandidate, RULE_JUDGE_NAME, type CandidateScore } from "./rule-judge.js";
export { judgeTask, type JudgeTask } from "./judge-task.js";
export { heldOutExamples, HELD_OUT_COUNT, HELD_OUT_FIRST_SEED, type HeldOutExample, type HeldOutOptions } from "./held-out.js";
export {
  evaluateEdits,
  type DemoEditFunction,
  type DemoEditRequest,
  type EvaluatedEdit,
  type EvaluationRun,
  type EvaluateOptions,
} from "./evaluate.js";
export { EVAL_CONFIGS, parseEvalConfigs, configAdapters, type EvalConfig, type EvalConfigName } from "./eval-configs.js";
export { evalDemo, type EvalDemoOptions, type EvalDemoResult, type EvalDemoRun } from "./eval-demo.js";
export { evalDemoReport, reportMarkdown, type EvalDemoReport, type EvalDemoSettings } from "./eval-report.js";
