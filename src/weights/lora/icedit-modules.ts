/**
 * The modules ICEdit's LoRA and LoRA-MoE adapt, under their diffusers names (docs/icedit.md §2), with
 * their sizes: the names the published adapters (RiverZ/normal-lora, sanaka87/ICEdit-MoE-LoRA) key
 * their tensors by. The demo's random adapters are drawn for these.
 */

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
 * image stream only), or "icedit+text", ICEdit's and every linear layer of the double blocks' text
 * stream (its modulation, q/k/v, output projection and MLP), so the adapter can also change how the
 * instruction is read before the single blocks.
 */
export const LORA_TARGET_SETS = ["icedit", "icedit+text"] as const;
export type LoraTargetSet = (typeof LORA_TARGET_SETS)[number];

export function loraTargetModules(p: IceditLoraSizes, set: LoraTargetSet): IceditLoraModule[] {
  return set === "icedit" ? iceditLoraModules(p) : [...iceditLoraModules(p), ...textStreamModules(p)];
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
