/**
 * Host-side preparation of one transformer call (BFL Flux.forward arguments) into graph feeds:
 * the sinusoidal embeddings of timesteps and guidance, and the RoPE tables of [txt_ids; img_ids].
 */
import { InvalidArgumentError } from "../../errors.js";
import { ropeTables } from "../../nn/rope.js";
import { timestepEmbedding } from "../../nn/timestep-embedding.js";
import { tensor, shapeString, type Tensor } from "../../tensor.js";
import { TIMESTEP_DIM } from "./model.js";
import { validateFluxParams, type FluxParams } from "./params.js";

export interface FluxCall {
  /** [B, L, in_channels] */
  readonly img: Tensor<"f32">;
  /** [B, L, 3] */
  readonly imgIds: Tensor<"f32">;
  /** [B, T, context_in_dim] */
  readonly txt: Tensor<"f32">;
  /** [B, T, 3] */
  readonly txtIds: Tensor<"f32">;
  /** [B] flow time in [0, 1] */
  readonly timesteps: Tensor<"f32">;
  /** [B, vec_in_dim] */
  readonly y: Tensor<"f32">;
  /** [B] distilled guidance */
  readonly guidance: Tensor<"f32">;
}

function expectShape(name: string, t: Tensor, dims: readonly (number | null)[]): void {
  const ok = t.dims.length === dims.length && dims.every((d, i) => d === null || d === t.dims[i]);
  if (!ok) {
    const want = shapeString(dims.map((d) => (d === null ? "*" : d)));
    throw new InvalidArgumentError(`transformer input ${name} must have shape ${want}, got ${shapeString(t.dims)}`);
  }
}

/** Validates a call and returns the feeds of the graph built by buildFluxGraph. */
export function fluxFeeds(params: FluxParams, call: FluxCall): Record<string, Tensor> {
  const { headDim } = validateFluxParams(params);
  const [batch, imgTokens] = call.img.dims as [number, number];
  const textTokens = call.txt.dims[1] as number;
  const axes = params.axesDim.length;
  expectShape("img", call.img, [null, null, params.inChannels]);
  expectShape("img_ids", call.imgIds, [batch, imgTokens, axes]);
  expectShape("txt", call.txt, [batch, null, params.contextInDim]);
  expectShape("txt_ids", call.txtIds, [batch, textTokens, axes]);
  expectShape("timesteps", call.timesteps, [batch]);
  expectShape("y", call.y, [batch, params.vecInDim]);
  expectShape("guidance", call.guidance, [batch]);

  const seq = textTokens + imgTokens;
  const pairs = headDim / 2;
  const cos = new Float32Array(batch * seq * pairs);
  const sin = new Float32Array(batch * seq * pairs);
  for (let b = 0; b < batch; b++) {
    const ids = new Float32Array(seq * axes);
    ids.set(call.txtIds.data.subarray(b * textTokens * axes, (b + 1) * textTokens * axes), 0);
    ids.set(call.imgIds.data.subarray(b * imgTokens * axes, (b + 1) * imgTokens * axes), textTokens * axes);
    const tables = ropeTables(ids, params.axesDim, params.theta);
    cos.set(tables.cos, b * seq * pairs);
    sin.set(tables.sin, b * seq * pairs);
  }
  const feeds: Record<string, Tensor> = {
    img: call.img,
    txt: call.txt,
    y: call.y,
    timestep_emb: tensor("f32", [batch, TIMESTEP_DIM], timestepEmbedding(call.timesteps.data, TIMESTEP_DIM)),
    pe_cos: tensor("f32", [batch, seq, pairs], cos),
    pe_sin: tensor("f32", [batch, seq, pairs], sin),
  };
  if (params.guidanceEmbed)
    feeds["guidance_emb"] = tensor("f32", [batch, TIMESTEP_DIM], timestepEmbedding(call.guidance.data, TIMESTEP_DIM));
  return feeds;
}

/**
 * Position ids of the image tokens: (index, row, col) on the rows x cols grid, row-major, for each
 * of `batch`, the grid starting at (rowOffset, colOffset). index 0: the image being generated;
 * Kontext's condition images have index 1 (or 1, 2, ... when each reference has its own).
 */
export function imageIds(batch: number, rows: number, cols: number, index = 0, rowOffset = 0, colOffset = 0): Tensor<"f32"> {
  const data = new Float32Array(batch * rows * cols * 3);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const at = ((b * rows + r) * cols + c) * 3;
        data[at] = index;
        data[at + 1] = rowOffset + r;
        data[at + 2] = colOffset + c;
      }
    }
  }
  return tensor("f32", [batch, rows * cols, 3], data);
}

/** Position ids of the text tokens: all zeros. */
export function textIds(batch: number, tokens: number): Tensor<"f32"> {
  return tensor("f32", [batch, tokens, 3]);
}
