/**
 * Random adapters in ICEdit's published formats for a FLUX model of given sizes: the normal LoRA
 * (diffusers/PEFT keys, as RiverZ/normal-lora) and the LoRA-MoE (per-expert A/B and a token-wise
 * router in the ff.net.2 / proj_out layers, as sanaka87/ICEdit-MoE-LoRA).
 */
import { validateFluxParams, type FluxParams } from "../models/flux/params.js";
import { Prng } from "../numeric/prng.js";
import { tensor, type Tensor } from "../tensor.js";

export interface LoraTarget {
  /** diffusers module name, e.g. "transformer_blocks.0.attn.to_q" */
  readonly module: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** The modules ICEdit's LoRA targets (docs/icedit.md §2), with their sizes. */
export function iceditLoraTargets(p: FluxParams): LoraTarget[] {
  const { mlpHidden: m } = validateFluxParams(p);
  const d = p.hiddenSize;
  const t = (module: string, inFeatures: number, outFeatures: number): LoraTarget => ({ module, inFeatures, outFeatures });
  const targets: LoraTarget[] = [t("x_embedder", p.inChannels, d)];
  for (let i = 0; i < p.depth; i++) {
    const b = `transformer_blocks.${i}`;
    targets.push(t(`${b}.norm1.linear`, d, 6 * d), t(`${b}.attn.to_q`, d, d), t(`${b}.attn.to_k`, d, d), t(`${b}.attn.to_v`, d, d));
    targets.push(t(`${b}.attn.to_out.0`, d, d), t(`${b}.ff.net.2`, m, d));
  }
  for (let i = 0; i < p.depthSingleBlocks; i++) {
    const b = `single_transformer_blocks.${i}`;
    targets.push(t(`${b}.norm.linear`, d, 3 * d), t(`${b}.proj_mlp`, d, m), t(`${b}.proj_out`, d + m, d));
    targets.push(t(`${b}.attn.to_q`, d, d), t(`${b}.attn.to_k`, d, d), t(`${b}.attn.to_v`, d, d));
  }
  return targets;
}

/** ICEdit puts experts in the layers whose name contains ff.net or proj_out. */
export function isMoeTarget(module: string): boolean {
  return module.includes("ff.net") || module.includes("proj_out");
}

function normal(prng: Prng, dims: readonly number[], std: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

/** transformer.<module>.lora_A.weight [r, in] and lora_B.weight [out, r] for every target. */
export function randomLora(p: FluxParams, rank: number, seed: number): Map<string, Tensor<"f32">> {
  const prng = new Prng(seed);
  const out = new Map<string, Tensor<"f32">>();
  for (const target of iceditLoraTargets(p)) {
    out.set(`transformer.${target.module}.lora_A.weight`, normal(prng, [rank, target.inFeatures], 0.05));
    out.set(`transformer.${target.module}.lora_B.weight`, normal(prng, [target.outFeatures, rank], 0.05));
  }
  return out;
}

/** Plain LoRA for the other targets; experts + router (lora_route [E, in]) for the MoE targets. */
export function randomMoeLora(p: FluxParams, rank: number, experts: number, seed: number): Map<string, Tensor<"f32">> {
  const prng = new Prng(seed);
  const out = new Map<string, Tensor<"f32">>();
  for (const target of iceditLoraTargets(p)) {
    const key = `transformer.${target.module}`;
    if (!isMoeTarget(target.module)) {
      out.set(`${key}.lora_A.weight`, normal(prng, [rank, target.inFeatures], 0.05));
      out.set(`${key}.lora_B.weight`, normal(prng, [target.outFeatures, rank], 0.05));
      continue;
    }
    for (let e = 0; e < experts; e++) {
      out.set(`${key}.lora_A.expert_${e}.weight`, normal(prng, [rank, target.inFeatures], 0.05));
      out.set(`${key}.lora_B.expert_${e}.weight`, normal(prng, [target.outFeatures, rank], 0.05));
    }
    out.set(`${key}.lora_route.weight`, normal(prng, [experts, target.inFeatures], 0.3));
  }
  return out;
}
