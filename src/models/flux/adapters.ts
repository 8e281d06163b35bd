/**
 * Adapter files, once read (weights/lora: per BFL linear, low-rank and MoE updates of some output
 * rows), as graph branches of the FLUX transformer: per layer and adapter one fused LoRA pair and
 * one branch per MoE module. Adapter i gets element i of the `lora_scales` input.
 */
import type { LinearAdapter, MoeBranchSpec } from "../../nn/adapter-set.js";
import { fuseLowRank, type LowRankPart } from "../../nn/lora.js";
import { fuseMoe, type MoePart } from "../../nn/moe.js";
import type { FluxAdapterOptions } from "./model.js";

/** The updates one adapter makes, per linear layer (structurally weights/lora's LoraDescription). */
export interface AdapterLayers {
  readonly layers: ReadonlyMap<
    string,
    {
      readonly inFeatures: number;
      readonly outFeatures: number;
      readonly plain: readonly LowRankPart[];
      readonly moe: readonly (MoePart & { readonly module: string })[];
    }
  >;
}

/** Tap name of a MoE module's routing weights (golden: "route.<diffusers module>"). */
export function routeTapName(module: string): string {
  return `route.${module}`;
}

/**
 * The branches of `adapters` (adapter i scaled by lora_scales[i]). Routing weights become taps
 * for the names in `taps` ("route.<module>"; the first adapter with that module gets the name).
 */
export function fluxAdapterBranches(adapters: readonly AdapterLayers[], taps: ReadonlySet<string> = new Set()): FluxAdapterOptions {
  const layers = new Map<string, LinearAdapter[]>();
  const tapped = new Set<string>();
  adapters.forEach((adapter, scaleIndex) => {
    for (const [linear, layer] of adapter.layers) {
      const moe = layer.moe.map((part): MoeBranchSpec => {
        const tap = routeTapName(part.module);
        const wanted = taps.has(tap) && !tapped.has(tap);
        if (wanted) tapped.add(tap);
        return { ...fuseMoe(part, layer.inFeatures, layer.outFeatures), tap: wanted ? tap : null };
      });
      const lowRank = layer.plain.length > 0 ? fuseLowRank(layer.plain, layer.inFeatures, layer.outFeatures) : null;
      const list = layers.get(linear) ?? [];
      list.push({ scaleIndex, lowRank, moe });
      layers.set(linear, list);
    }
  });
  return { layers, count: adapters.length };
}
