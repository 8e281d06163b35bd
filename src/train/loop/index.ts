/** The training loop of `icedit train`: steps, checkpoints, resume, log and loss plot. */
export { runTrainingLoop, type LoopRun, type LoopResult } from "./loop.js";
export {
  ADAPTER_DTYPES,
  checkLoopSettings,
  numericSettings,
  configDifferences,
  type AdapterDtype,
  type LoopSettings,
  type OptimizerChoice,
  type JsonValue,
} from "./settings.js";
export { loadCheckpoint, loadLatestCheckpoint, readCheckpointState, type LoadedCheckpoint } from "./checkpoint-read.js";
export { checkpointSteps } from "./checkpoint-write.js";
export { ICEDIT_TIME_DISTRIBUTION, type TimeDistribution } from "./random.js";
export type { CheckpointState, LossHistory } from "./checkpoint-state.js";
export { ADAPTER_FILE, LOG_FILE, OPTIMIZER_FILE, PLOT_FILE, SAMPLES_DIR, STATE_FILE, checkpointPath } from "./checkpoint-paths.js";
export { adapterFileMetadata, type AdapterShape } from "./adapter-metadata.js";
export { renderLossPlot, writeLossPlot, plotLayout, type LossSeries, type PlotLayout } from "./loss-plot.js";
export { movingAverage, LOSS_WINDOW } from "./loss-average.js";
export type { TrainEvent, TrainStepEvent, TrainCheckpointEvent, TrainSampleEvent, TrainDataEvent, TrainNoteEvent } from "./events.js";
export type {
  PreparedExample,
  PreparedDataset,
  StepBatch,
  LossAndGrads,
  LossAndGradsResult,
  AdapterParams,
  SampleEdit,
  RunFingerprint,
} from "./types.js";
export * from "./errors.js";
