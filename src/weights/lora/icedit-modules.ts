/**
 * The modules ICEdit's LoRA and LoRA-MoE adapt, under their diffusers names (docs/icedit.md §2), with
 * their sizes: the names the published adapters (RiverZ/normal-lora, sanaka87/ICEdit-MoE-LoRA) key
 * their tensors by. The demo's random adapters are drawn for these.
 */
import { TIMESTEP_DIM } from "../../models/flux/model.js";

/** The FLUX sizes the module list depends on. */
export interface IceditLoraSizes {
  readonly inChannels: number;
  readonly hiddenSize: number;
  /** The MLP's hidden width (hiddenSize * mlpRatio). */
  readonly mlpHidden: number;
  readonly depth: number;
  readonly depthSingleBlocks: number;
}

export interface IceditLoraModule {
  /** diffusers module name, e.g. "transformer_blocks.0.attn.to_q" */
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/**
 * The module sets `icedit train --targets` takes: "icedit", ICEdit's own (in the double blocks the
 * image stream only); "icedit+text", ICEdit's and every linear layer of the double blocks' text
 * stream (its modulation, q/k/v, output projection and MLP), so the adapter can also change how the
 * instruction is read before the single blocks; "all", every linear layer of the transformer (also
 * the image stream's MLP input, the text and time embedders and the output layer).
 */
export const LORA_TARGET_SETS = ["icedit", "icedit+text", "all"] as const;
export type LoraTargetSet = (typeof LORA_TARGET_SETS)[number];

/** The further FLUX sizes the "all" set depends on. */
export interface FluxLinearSizes extends IceditLoraSizes {
  readonly outChannels: number;
  /** The pooled text embedding's width (CLIP's). */
  readonly vecInDim: number;
  /** The text tokens' width (T5's). */
  readonly contextInDim: number;
  readonly guidanceEmbed: boolean;
}

/** The modules of a target set, ICEdit's first (so an "icedit" adapter's modules are a prefix of the others'). */
export function loraTargetModules(p: FluxLinearSizes, set: LoraTargetSet): IceditLoraModule[] {
  if (set === "icedit") return iceditLoraModules(p);
  const withText = [...iceditLoraModules(p), ...textStreamModules(p)];
  return set === "icedit+text" ? withText : [...withText, ...remainingLinearModules(p)];
}

function linearModule(module: string, inFeatures: number, outFeatures: number): IceditLoraModule {
  return { module, inFeatures, outFeatures };
}

/** Every linear layer of the double blocks' text stream: modulation, q/k/v, output projection, MLP. */
function textStreamModules(p: IceditLoraSizes): IceditLoraModule[] {
  const d = p.hiddenSize;
  const m = p.mlpHidden;
  const t = linearModule;
  const modules: IceditLoraModule[] = [];
  for (let i = 0; i < p.depth; i++) {
    const b = `transformer_blocks.${i}`;
    modules.push(t(`${b}.norm1_context.linear`, d, 6 * d), t(`${b}.attn.add_q_proj`, d, d), t(`${b}.attn.add_k_proj`, d, d));
    modules.push(t(`${b}.attn.add_v_proj`, d, d), t(`${b}.attn.to_add_out`, d, d));
    modules.push(t(`${b}.ff_context.net.0.proj`, d, m), t(`${b}.ff_context.net.2`, m, d));
  }
  return modules;
}

/** The linear layers neither ICEdit nor the text stream adapt: image MLP inputs, embedders, output layer. */
function remainingLinearModules(p: FluxLinearSizes): IceditLoraModule[] {
  const d = p.hiddenSize;
  const t = linearModule;
  const modules: IceditLoraModule[] = [];
  for (let i = 0; i < p.depth; i++) modules.push(t(`transformer_blocks.${i}.ff.net.0.proj`, d, p.mlpHidden));
  modules.push(t("context_embedder", p.contextInDim, d));
  const embedders = ["timestep_embedder", ...(p.guidanceEmbed ? ["guidance_embedder"] : [])];
  for (const e of embedders) {
    modules.push(t(`time_text_embed.${e}.linear_1`, TIMESTEP_DIM, d), t(`time_text_embed.${e}.linear_2`, d, d));
  }
  modules.push(t("time_text_embed.text_embedder.linear_1", p.vecInDim, d), t("time_text_embed.text_embedder.linear_2", d, d));
  modules.push(t("norm_out.linear", d, 2 * d), t("proj_out", d, p.outChannels));
  return modules;
}

export function iceditLoraModules(p: IceditLoraSizes): IceditLoraModule[] {
  const d = p.hiddenSize;
  const m = p.mlpHidden;
  const t = linearModule;
  const modules: IceditLoraModule[] = [t("x_embedder", p.inChannels, d)];
  for (let i = 0; i < p.depth; i++) {
    const b = `transformer_blocks.${i}`;
    modules.push(t(`${b}.norm1.linear`, d, 6 * d), t(`${b}.attn.to_q`, d, d), t(`${b}.attn.to_k`, d, d), t(`${b}.attn.to_v`, d, d));
    modules.push(t(`${b}.attn.to_out.0`, d, d), t(`${b}.ff.net.2`, m, d));
  }
  for (let i = 0; i < p.depthSingleBlocks; i++) {
    const b = `single_transformer_blocks.${i}`;
    modules.push(t(`${b}.norm.linear`, d, 3 * d), t(`${b}.proj_mlp`, d, m), t(`${b}.proj_out`, d + m, d));
    modules.push(t(`${b}.attn.to_q`, d, d), t(`${b}.attn.to_k`, d, d), t(`${b}.attn.to_v`, d, d));
  }
  return modules;
}

/** ICEdit puts experts in the layers whose name contains ff.net or proj_out. */
export function isMoeModule(module: string): boolean {
  return module.includes("ff.net") || module.includes("proj_out");
}

/** The adapter tensor keys of a module (PEFT style, under `transformer.`). */
export function loraKeys(module: string, expert?: number): { a: string; b: string } {
  const e = expert === undefined ? "" : `.expert_${expert}`;
  return { a: `transformer.${module}.lora_A${e}.weight`, b: `transformer.${module}.lora_B${e}.weight` };
}

/** The LoRA-MoE router key of a module ([experts, in]). */
export function loraRouteKey(module: string): string {
  return `transformer.${module}.lora_route.weight`;
}
