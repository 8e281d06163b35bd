/** Random transformer inputs of a given token layout (seeded, so every process draws the same call). */
import { imageIds, textIds, type FluxCall } from "../src/models/flux/inputs.js";
import type { FluxParams } from "../src/models/flux/params.js";
import { Prng } from "../src/numeric/prng.js";
import { tensor, type Tensor } from "../src/tensor.js";
import type { FluxShape } from "./flux-flops.js";

/** An image of rows x cols latent patches (tokens) and a prompt of textTokens tokens, batch 1. */
export interface TokenLayout {
  readonly rows: number;
  readonly cols: number;
  readonly textTokens: number;
}

export function layoutShape(layout: TokenLayout): FluxShape {
  return { batch: 1, imageTokens: layout.rows * layout.cols, textTokens: layout.textTokens };
}

/** img, txt and y ~ N(0, 1) drawn in that order from Prng(seed); t = 0.7, guidance 50. */
export function randomFluxCall(params: FluxParams, layout: TokenLayout, seed: number): FluxCall {
  const prng = new Prng(seed);
  const normal = (dims: readonly number[]): Tensor<"f32"> => {
    const t = tensor("f32", dims);
    prng.fillNormal(t.data, 1);
    return t;
  };
  const imageTokens = layout.rows * layout.cols;
  return {
    img: normal([1, imageTokens, params.inChannels]),
    imgIds: imageIds(1, layout.rows, layout.cols),
    txt: normal([1, layout.textTokens, params.contextInDim]),
    txtIds: textIds(1, layout.textTokens),
    timesteps: tensor("f32", [1], Float32Array.of(0.7)),
    y: normal([1, params.vecInDim]),
    guidance: tensor("f32", [1], Float32Array.of(50)),
  };
}
