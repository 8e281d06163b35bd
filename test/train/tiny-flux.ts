/** A tiny FLUX Fill for the training-step tests (adapter and full-parameter), and seeded step inputs for it. */
import { imageIds, textIds } from "../../src/models/flux/inputs.js";
import { GOLDEN_T1, type FluxParams } from "../../src/models/flux/params.js";
import { tensor } from "../../src/tensor.js";
import type { TrainingInputs } from "../../src/train/step/index.js";
import { randT } from "../onnx/helpers.js";

/** head_dim 16 = 4 + 6 + 6; 16 latent channels + 8 conditioning channels in; 1 + 1 blocks. */
export const TINY: FluxParams = {
  ...GOLDEN_T1,
  inChannels: 24,
  outChannels: 16,
  vecInDim: 8,
  contextInDim: 12,
  hiddenSize: 32,
  mlpRatio: 2,
  numHeads: 2,
  depth: 1,
  depthSingleBlocks: 1,
  axesDim: [4, 6, 6],
};

/** Step inputs for TINY: B = 2, T = 3 text tokens, a 2x2 latent grid, t = 0.3 and 0.8. */
export function tinyInputs(seed: number): TrainingInputs {
  const [B, T, ROWS, COLS] = [2, 3, 2, 2];
  const L = ROWS * COLS;
  return {
    x0: randT([B, L, 16], seed),
    imgCond: randT([B, L, 8], seed + 1),
    txt: randT([B, T, 12], seed + 2),
    y: randT([B, 8], seed + 3),
    imgIds: imageIds(B, ROWS, COLS),
    txtIds: textIds(B, T),
    t: tensor("f32", [B], new Float32Array([0.3, 0.8])),
    noise: randT([B, L, 16], seed + 4),
  };
}
