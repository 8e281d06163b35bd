/**
 * The transformer's sizes: from the model folder's config.json, else read from a BFL-named
 * checkpoint's tensor shapes (hidden and MLP sizes by the layout's own rule, weights/layouts/flux-sizes.ts;
 * the head size from the QK-norm scale; block counts from the names).
 */
import { fluxParamsFromDiffusers } from "../../models/flux/diffusers-config.js";
import type { FluxParams } from "../../models/flux/params.js";
import { bflView } from "../../weights/layouts/bfl-view.js";
import { fluxSizes } from "../../weights/layouts/flux-sizes.js";
import { configFile, type FluxFillFolder } from "../../weights/hub/model-folder.js";
import type { TensorSource } from "../../weights/source.js";

/** FLUX sizes from a BFL-named checkpoint's tensor shapes. */
export function inferFluxParams(source: TensorSource): FluxParams {
  const view = bflView(source);
  const dims = (name: string): readonly number[] => view.entry(name).dims;
  const names = view.names();
  const { D: hidden, mlp } = fluxSizes("bfl", names, (name) => (view.has(name) ? dims(name) : undefined), source.description);
  const inChannels = dims("img_in.weight")[1] as number;
  const headDim = dims("double_blocks.0.img_attn.norm.query_norm.scale")[0] as number;
  const count = (prefix: string): number => new Set(names.filter((n) => n.startsWith(prefix)).map((n) => n.split(".")[1])).size;
  const axis0 = headDim / 8;
  return {
    inChannels,
    outChannels: dims("final_layer.linear.weight")[0] as number,
    vecInDim: dims("vector_in.in_layer.weight")[1] as number,
    contextInDim: dims("txt_in.weight")[1] as number,
    hiddenSize: hidden,
    mlpRatio: mlp / hidden,
    numHeads: hidden / headDim,
    depth: count("double_blocks."),
    depthSingleBlocks: count("single_blocks."),
    axesDim: [axis0, (headDim - axis0) / 2, (headDim - axis0) / 2],
    theta: 10000,
    qkvBias: view.has("double_blocks.0.img_attn.qkv.bias"),
    guidanceEmbed: view.has("guidance_in.in_layer.weight"),
  };
}

/** The transformer's sizes: from the folder's config.json, else from the checkpoint's tensor shapes. */
export function folderFluxParams(folder: FluxFillFolder, source: TensorSource): FluxParams {
  return folder.transformer.config
    ? fluxParamsFromDiffusers(folder.transformer.config, configFile(folder, "transformer"))
    : inferFluxParams(source);
}
