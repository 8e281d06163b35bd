/**
 * The editing-quality metrics as a library (what `icedit eval` calls): the metric models opened
 * from Hugging Face folders, the torchvision-exact preprocessing, and the per-edit scores.
 */
export { scoreEdit, metricTransforms, type EditMetricModels, type EditToScore, type EditScores } from "./metrics/score-edit.js";
export { cosineSimilarity, embeddingRow } from "./metrics/cosine.js";
export { pixelDistances, type PixelDistances } from "./metrics/pixel-distance.js";
export {
  openEditMetricModels,
  releaseEditMetricModels,
  openClipModelFolder,
  openDinoFolder,
  type MetricFolders,
  type FolderOpenOptions,
} from "./models/open-folder.js";
export { ClipModelRunner, type ClipModelOptions, type ClipImageOutput, type ClipTextEmbeds } from "./models/clip-model.js";
export { DinoVit, type DinoOptions, type DinoOutput } from "./models/dino.js";
export { MetricModelInputError } from "./models/pixels.js";
export {
  CLIP_TRANSFORM,
  DINO_TRANSFORM,
  preprocessImages,
  centerCrop,
  resizeShorterSide,
  normalizeInto,
  type ImageTransform,
} from "./preprocess/transform.js";
export { resizedSize, centerCropOffsets, roundHalfEven } from "./preprocess/geometry.js";
