/** FLUX transformer sizes: a validated params object (BFL FluxParams) and presets. */
import { InvalidArgumentError } from "../../errors.js";

export interface FluxParams {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly vecInDim: number;
  readonly contextInDim: number;
  readonly hiddenSize: number;
  readonly mlpRatio: number;
  readonly numHeads: number;
  readonly depth: number;
  readonly depthSingleBlocks: number;
  readonly axesDim: readonly number[];
  readonly theta: number;
  readonly qkvBias: boolean;
  readonly guidanceEmbed: boolean;
}

export interface DerivedFluxSizes {
  readonly headDim: number;
  readonly mlpHidden: number;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`FLUX params: ${name} must be a positive integer, got ${v}`);
}

/** Checks the params (as BFL's Flux constructor does) and returns head and MLP sizes. */
export function validateFluxParams(p: FluxParams): DerivedFluxSizes {
  for (const key of ["inChannels", "outChannels", "vecInDim", "contextInDim", "hiddenSize", "numHeads"] as const) positiveInt(key, p[key]);
  for (const key of ["depth", "depthSingleBlocks"] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 0)
      throw new InvalidArgumentError(`FLUX params: ${key} must be an integer >= 0, got ${p[key]}`);
  }
  if (p.hiddenSize % p.numHeads !== 0) {
    throw new InvalidArgumentError(`FLUX params: hidden size ${p.hiddenSize} is not divisible by num_heads ${p.numHeads}`);
  }
  const headDim = p.hiddenSize / p.numHeads;
  const axesSum = p.axesDim.reduce((s, d) => s + d, 0);
  if (axesSum !== headDim)
    throw new InvalidArgumentError(`FLUX params: axes_dim [${p.axesDim}] sums to ${axesSum}, but head_dim is ${headDim}`);
  if (p.axesDim.some((d) => d <= 0 || d % 2 !== 0))
    throw new InvalidArgumentError(`FLUX params: every axes_dim entry must be even and positive, got [${p.axesDim}]`);
  if (!(p.mlpRatio > 0)) throw new InvalidArgumentError(`FLUX params: mlp_ratio must be positive, got ${p.mlpRatio}`);
  if (!(p.theta > 0)) throw new InvalidArgumentError(`FLUX params: theta must be positive, got ${p.theta}`);
  return { headDim, mlpHidden: Math.trunc(p.hiddenSize * p.mlpRatio) };
}

/** FLUX.1 Fill [dev] (BFL util.py configs["flux-dev-fill"]). */
export const FLUX_FILL_DEV: FluxParams = {
  inChannels: 384,
  outChannels: 64,
  vecInDim: 768,
  contextInDim: 4096,
  hiddenSize: 3072,
  mlpRatio: 4,
  numHeads: 24,
  depth: 19,
  depthSingleBlocks: 38,
  axesDim: [16, 56, 56],
  theta: 10000,
  qkvBias: true,
  guidanceEmbed: true,
};

/** The golden set's tiny T1 transformer (same architecture, small sizes). */
export const GOLDEN_T1: FluxParams = {
  ...FLUX_FILL_DEV,
  vecInDim: 32,
  contextInDim: 48,
  hiddenSize: 128,
  numHeads: 4,
  depth: 2,
  depthSingleBlocks: 2,
  axesDim: [4, 14, 14],
};

/** A mid-size configuration for benchmarks (hidden 1536, 12 heads, 4 double + 8 single blocks). */
export const FLUX_MID: FluxParams = {
  ...FLUX_FILL_DEV,
  vecInDim: 768,
  contextInDim: 1024,
  hiddenSize: 1536,
  numHeads: 12,
  depth: 4,
  depthSingleBlocks: 8,
};

export const FLUX_PRESETS: Readonly<Record<string, FluxParams>> = {
  "flux-fill-dev": FLUX_FILL_DEV,
  "golden-t1": GOLDEN_T1,
  "flux-mid": FLUX_MID,
};

/** BFL FluxParams as JSON (snake_case), e.g. the golden manifest's configs.T1.bfl_FluxParams. */
export interface BflFluxParamsJson {
  in_channels: number;
  out_channels: number;
  vec_in_dim: number;
  context_in_dim: number;
  hidden_size: number;
  mlp_ratio: number;
  num_heads: number;
  depth: number;
  depth_single_blocks: number;
  axes_dim: number[];
  theta: number;
  qkv_bias: boolean;
  guidance_embed: boolean;
}

export function fluxParamsFromBfl(json: BflFluxParamsJson): FluxParams {
  const p: FluxParams = {
    inChannels: json.in_channels,
    outChannels: json.out_channels,
    vecInDim: json.vec_in_dim,
    contextInDim: json.context_in_dim,
    hiddenSize: json.hidden_size,
    mlpRatio: json.mlp_ratio,
    numHeads: json.num_heads,
    depth: json.depth,
    depthSingleBlocks: json.depth_single_blocks,
    axesDim: [...json.axes_dim],
    theta: json.theta,
    qkvBias: json.qkv_bias,
    guidanceEmbed: json.guidance_embed,
  };
  validateFluxParams(p);
  return p;
}
