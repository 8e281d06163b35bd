/** Training the FLUX VAE as an autoencoder (the demo VAE on scenes). */
export * from "./errors.js";
export { buildVaeTrainingGraph, DEFAULT_KL_WEIGHT, type VaeBatchShape, type VaeTrainingGraphOptions } from "./graph.js";
export { initialVaeWeights } from "./init.js";
export { latentFactorsOf, measureLatentFactors, type LatentFactors } from "./latent-factors.js";
export { HELD_OUT_FIRST_SEED, sceneBatch } from "./scene-batch.js";
export { type LatentPairs, trainDemoVae, type TrainDemoVaeOptions, type VaeStepReport } from "./train-demo-vae.js";
export { VaeTrainingStep, type VaeTrainingStepOptions, type VaeTrainingStepResult } from "./training-step.js";
export { measureReconstruction, reconstructionErrorOf, type ReconstructionError } from "./reconstruction.js";
