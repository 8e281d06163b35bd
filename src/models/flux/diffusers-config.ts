/**
 * The transformer config.json of a diffusers FLUX model folder (FluxTransformer2DModel) to and
 * from FluxParams. Fields diffusers fixes in code (mlp_ratio 4, theta 10000, qkv bias) are implied.
 */
import { InvalidArgumentError } from "../../errors.js";
import { validateFluxParams, type FluxParams } from "./params.js";

export interface DiffusersFluxConfig {
  readonly _class_name?: string;
  readonly patch_size?: number;
  readonly in_channels: number;
  readonly out_channels?: number | null;
  readonly num_layers: number;
  readonly num_single_layers: number;
  readonly attention_head_dim: number;
  readonly num_attention_heads: number;
  readonly joint_attention_dim: number;
  readonly pooled_projection_dim: number;
  readonly guidance_embeds: boolean;
  readonly axes_dims_rope: readonly number[];
}

/** A whole number >= `min` under `key`; the message names the file (`source`) and the key. */
function whole(json: Record<string, unknown>, key: string, source: string, min = 1): number {
  const v = json[key];
  if (v === undefined)
    throw new InvalidArgumentError(`${source}: "${key}" is missing (a whole number >= ${min}): is this a FLUX.1 Fill transformer config?`);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new InvalidArgumentError(`${source}: "${key}" must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** FluxParams from a diffusers transformer config.json; `source` (its path) names it in errors. */
export function fluxParamsFromDiffusers(json: Record<string, unknown>, source = "transformer config.json"): FluxParams {
  if (json["patch_size"] !== undefined && json["patch_size"] !== 1) {
    throw new InvalidArgumentError(`${source}: patch_size ${String(json["patch_size"])} is not FLUX's 1`);
  }
  const axes = json["axes_dims_rope"];
  if (!Array.isArray(axes) || !axes.every((a) => typeof a === "number")) {
    throw new InvalidArgumentError(`${source}: "axes_dims_rope" must be a list of numbers`);
  }
  const num = (key: string, min = 1): number => whole(json, key, source, min);
  const inChannels = num("in_channels");
  const heads = num("num_attention_heads");
  const params: FluxParams = {
    inChannels,
    outChannels: typeof json["out_channels"] === "number" ? json["out_channels"] : inChannels,
    vecInDim: num("pooled_projection_dim"),
    contextInDim: num("joint_attention_dim"),
    hiddenSize: heads * num("attention_head_dim"),
    mlpRatio: 4,
    numHeads: heads,
    depth: num("num_layers", 0),
    depthSingleBlocks: num("num_single_layers", 0),
    axesDim: axes as number[],
    theta: 10000,
    qkvBias: true,
    guidanceEmbed: json["guidance_embeds"] === true,
  };
  try {
    validateFluxParams(params);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${source}: ${error.message}`, { cause: error });
    throw error;
  }
  return params;
}

/** The config.json diffusers writes for a FluxTransformer2DModel with these sizes. */
export function diffusersFluxConfig(p: FluxParams): DiffusersFluxConfig & Record<string, unknown> {
  const { headDim } = validateFluxParams(p);
  if (p.mlpRatio !== 4 || p.theta !== 10000 || !p.qkvBias) {
    throw new InvalidArgumentError("diffusers' FluxTransformer2DModel fixes mlp_ratio 4, theta 10000 and qkv bias");
  }
  return {
    _class_name: "FluxTransformer2DModel",
    _diffusers_version: "0.32.0",
    attention_head_dim: headDim,
    axes_dims_rope: [...p.axesDim],
    guidance_embeds: p.guidanceEmbed,
    in_channels: p.inChannels,
    joint_attention_dim: p.contextInDim,
    num_attention_heads: p.numHeads,
    num_layers: p.depth,
    num_single_layers: p.depthSingleBlocks,
    out_channels: p.outChannels,
    patch_size: 1,
    pooled_projection_dim: p.vecInDim,
  };
}
