/**
 * Random adapters in ICEdit's published formats for a FLUX model of given sizes: the normal LoRA
 * (diffusers/PEFT keys, as RiverZ/normal-lora) and the LoRA-MoE (per-expert A/B and a token-wise
 * router in the ff.net.2 / proj_out layers, as sanaka87/ICEdit-MoE-LoRA).
 */
import { validateFluxParams, type FluxParams } from "../models/flux/params.js";
import { Prng } from "../numeric/prng.js";
import { tensor, type Tensor } from "../tensor.js";
import { iceditLoraModules, isMoeModule, loraKeys, loraRouteKey, type IceditLoraModule } from "../weights/lora/icedit-modules.js";

/** ICEdit's LoRA modules for a FLUX model of these sizes. */
function targets(p: FluxParams): IceditLoraModule[] {
  const { mlpHidden } = validateFluxParams(p);
  return iceditLoraModules({
    inChannels: p.inChannels,
    hiddenSize: p.hiddenSize,
    mlpHidden,
    depth: p.depth,
    depthSingleBlocks: p.depthSingleBlocks,
  });
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
  for (const target of targets(p)) {
    const keys = loraKeys(target.module);
    out.set(keys.a, normal(prng, [rank, target.inFeatures], 0.05));
    out.set(keys.b, normal(prng, [target.outFeatures, rank], 0.05));
  }
  return out;
}

/** Plain LoRA for the other targets; experts + router (lora_route [E, in]) for the MoE targets. */
export function randomMoeLora(p: FluxParams, rank: number, experts: number, seed: number): Map<string, Tensor<"f32">> {
  const prng = new Prng(seed);
  const out = new Map<string, Tensor<"f32">>();
  for (const target of targets(p)) {
    if (!isMoeModule(target.module)) {
      const keys = loraKeys(target.module);
      out.set(keys.a, normal(prng, [rank, target.inFeatures], 0.05));
      out.set(keys.b, normal(prng, [target.outFeatures, rank], 0.05));
      continue;
    }
    for (let e = 0; e < experts; e++) {
      const keys = loraKeys(target.module, e);
      out.set(keys.a, normal(prng, [rank, target.inFeatures], 0.05));
      out.set(keys.b, normal(prng, [target.outFeatures, rank], 0.05));
    }
    out.set(loraRouteKey(target.module), normal(prng, [experts, target.inFeatures], 0.3));
  }
  return out;
}
