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

function num(json: Record<string, unknown>, key: string): number {
  const v = json[key];
  if (typeof v !== "number") throw new InvalidArgumentError(`transformer config.json: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function fluxParamsFromDiffusers(json: Record<string, unknown>): FluxParams {
  if (json["patch_size"] !== undefined && json["patch_size"] !== 1) {
    throw new InvalidArgumentError(`transformer config.json: patch_size ${String(json["patch_size"])} is not FLUX's 1`);
  }
  const axes = json["axes_dims_rope"];
  if (!Array.isArray(axes) || !axes.every((a) => typeof a === "number")) {
    throw new InvalidArgumentError(`transformer config.json: "axes_dims_rope" must be a list of numbers`);
  }
  const inChannels = num(json, "in_channels");
  const heads = num(json, "num_attention_heads");
  const params: FluxParams = {
    inChannels,
    outChannels: typeof json["out_channels"] === "number" ? json["out_channels"] : inChannels,
    vecInDim: num(json, "pooled_projection_dim"),
    contextInDim: num(json, "joint_attention_dim"),
    hiddenSize: heads * num(json, "attention_head_dim"),
    mlpRatio: 4,
    numHeads: heads,
    depth: num(json, "num_layers"),
    depthSingleBlocks: num(json, "num_single_layers"),
    axesDim: axes as number[],
    theta: 10000,
    qkvBias: true,
    guidanceEmbed: json["guidance_embeds"] === true,
  };
  validateFluxParams(params);
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
