/** Training data: edit triplets from folders and parquet shards, the training diptych, and the cache of encoded examples. */
export { openTrainingData, type TrainingDataOptions } from "./open-training-data.js";
export type { EditTriplet, TrainingData, TripletIdentity } from "./triplet.js";
export { describeSkips, SKIP_REASONS, type SkipReason, type SkipReport, type SkippedExample } from "./skip-log.js";
export { TrainingDataError, UnknownParquetLayoutError, PrepareExamplesError } from "./errors.js";
export { MAGICBRUSH_LAYOUT, OMNIEDIT_LAYOUT, detectParquetLayout, type ParquetLayout } from "./parquet-layout.js";
export { cropWatermark, watermarkRows } from "./watermark-crop.js";
export { trainingDiptych, TRAINING_RESIZE_KERNEL } from "./training-diptych.js";
export { encodeInpainting, type InpaintingExample } from "./encode-inpainting.js";
export {
  encodeDiptych,
  encodeText,
  CACHED_FILL_CONVENTIONS,
  type ExampleEncoders,
  type EncodedDiptych,
  type EncodedText,
} from "./encode-example.js";
export { encodersOf, type OpenedEncoders } from "./model-fingerprint.js";
export {
  prepareExamples,
  DROPPED_PROMPT,
  DEFAULT_TRAINING_SIZE,
  type PreparedDataset,
  type PreparedExample,
  type PrepareOptions,
  type PrepareProgress,
} from "./prepare-examples.js";
export { ExampleCache, EXAMPLE_FORMAT, storedValues, type CacheStorage } from "./example-cache.js";
