/** Base (in-painting) training of the demo transformer on captioned scenes of the shapes world. */
export { BaseWeightsError } from "./errors.js";
export { installBaseWeights } from "./install-weights.js";
export { type BaseInit, type BaseRunOptions, openBaseTrainingRun } from "./open-run.js";
export { checkSceneRange, type SceneRange, sceneInpaintingDataset } from "./scene-dataset.js";
export { type SceneInpainting, sceneInpainting } from "./scene-inpainting.js";
export { DEMO_BASE_LR, type TrainDemoBaseOptions, trainDemoBase } from "./train-demo-base.js";
