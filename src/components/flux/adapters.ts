/**
 * The transformer's adapters (LoRA in any common format, ICEdit's MoE-LoRA): read and checked
 * against the module tree at open, then either kept as graph branches (scaled per call) or merged
 * into the float weights by an ONNX Runtime graph.
 */
import { basename, extname } from "node:path";
import { blockDiagonalB, fuseLowRank } from "../../nn/lora.js";
import { buildLoraMergeGraph } from "../../nn/lora-merge.js";
import type { Flux } from "../../models/flux/model.js";
import type { Engine } from "../../runtime/engine.js";
import { InvalidArgumentError } from "../../errors.js";
import { tensor, type Tensor } from "../../tensor.js";
import { LoraMergeError, LoraTargets, readLoraAdapter, type LoraDescription, type LoraFormat } from "../../weights/lora/index.js";
import type { TensorSource } from "../../weights/source.js";
import { InlineParams } from "../params/load-params.js";

export interface AdapterOptions {
  readonly source: TensorSource;
  /** Shown in records and messages; default: the file name without extension. */
  readonly name?: string;
  /** Run-time scale (diffusers' adapter weight / joint_attention_kwargs scale); default 1. */
  readonly scale?: number;
  /** Experts per token in MoE-LoRA layers (not stored in the files; ICEdit's loader uses 1). */
  readonly topK?: number;
  /** Fold the LoRA into the base weights (base speed, scale fixed); refused for a MoE-LoRA. */
  readonly merge?: boolean;
}

/** What was made of one adapter (for the CLI and the job record). */
export interface LoadedAdapter {
  readonly name: string;
  readonly file: string;
  readonly format: LoraFormat;
  readonly kind: "lora" | "moe-lora";
  readonly matchedModules: number;
  readonly totalModules: number;
  readonly ignoredKeys: number;
  readonly warnings: readonly string[];
  /** Linear layers it changes. */
  readonly layers: number;
  readonly merged: boolean;
  /** The scale at load time (for a merged adapter, the one baked in). */
  readonly scale: number;
  readonly topK: number | null;
  readonly experts: number | null;
}

/** What an open decides before reading any weight: the adapters, read and checked. */
export interface AdapterPlan {
  readonly descriptions: readonly LoraDescription[];
  /** Per adapter: the scale it is merged into the weights at, or null when it stays a graph branch. */
  readonly mergeScales: readonly (number | null)[];
  readonly loaded: readonly LoadedAdapter[];
  /** Index into lora_scales of each adapter, or -1 when it is merged. */
  readonly slots: readonly number[];
  /** Bytes of the float tensors of the adapters kept as graph branches. */
  readonly branchBytes: number;
}

export function checkScale(name: string, scale: number): number {
  if (!Number.isFinite(scale)) throw new InvalidArgumentError(`adapter ${name}: the scale must be a finite number, got ${scale}`);
  return scale;
}

function adapterNames(adapters: readonly AdapterOptions[]): string[] {
  const used = new Set<string>();
  return adapters.map((a, i) => {
    const base = a.name ?? (basename(a.source.description, extname(a.source.description)) || `adapter${i}`);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
    used.add(name);
    return name;
  });
}

function describe(name: string, options: AdapterOptions, d: LoraDescription): LoadedAdapter {
  const moe = [...d.layers.values()].flatMap((l) => l.moe);
  return {
    name,
    file: d.source,
    format: d.format,
    kind: d.hasMoe ? "moe-lora" : "lora",
    matchedModules: d.matchedModules,
    totalModules: d.totalModules,
    ignoredKeys: d.ignoredKeys.length,
    warnings: d.warnings,
    layers: d.layers.size,
    merged: options.merge === true,
    scale: options.scale ?? 1,
    topK: moe[0]?.topK ?? null,
    experts: moe[0]?.experts.length ?? null,
  };
}

/** W' = W + scale * B A (and b' = b + scale * bias) for every layer of a plain LoRA, run by ONNX Runtime. */
export async function mergeLora(
  engine: Engine,
  weights: InlineParams,
  d: LoraDescription,
  scale: number,
  part?: ReadonlySet<string>,
): Promise<InlineParams> {
  const tensors = new Map(weights.tensors);
  const session = await engine.load(buildLoraMergeGraph());
  try {
    for (const layer of d.layers.values()) {
      if (part && !part.has(`${layer.linear}.weight`)) continue;
      const fused = fuseLowRank(layer.plain, layer.inFeatures, layer.outFeatures);
      const key = `${layer.linear}.weight`;
      const w = tensors.get(key);
      if (!w) throw new LoraMergeError(`cannot merge ${d.source}: the model has no weight ${key}`);
      const up = blockDiagonalB(fused);
      const b = tensor(
        "f32",
        up.dims,
        up.data.map((v) => v * scale),
      );
      const { outputs } = await session.run({ w, b, a: fused.A });
      tensors.set(key, outputs["merged"] as Tensor<"f32">);
      if (fused.bias) {
        const biasKey = `${layer.linear}.bias`;
        const bias = tensors.get(biasKey);
        if (!bias) throw new LoraMergeError(`cannot merge ${d.source}: its lora_B bias needs ${biasKey}, which the model lacks`);
        const add = fused.bias.data;
        tensors.set(
          biasKey,
          tensor(
            "f32",
            bias.dims,
            bias.data.map((v, i) => v + scale * (add[i] as number)),
          ),
        );
      }
    }
  } finally {
    await session.release();
  }
  return new InlineParams(tensors);
}

/** Bytes of every tensor of an adapter (its low-rank pairs, biases, experts and routers). */
function adapterBytes(d: LoraDescription): number {
  let bytes = 0;
  for (const layer of d.layers.values()) {
    for (const u of layer.plain) bytes += u.A.data.byteLength + u.B.data.byteLength + (u.bias?.data.byteLength ?? 0);
    for (const m of layer.moe) {
      bytes += m.route.data.byteLength;
      for (const e of m.experts) bytes += e.A.data.byteLength + e.B.data.byteLength;
    }
  }
  return bytes;
}

/** Reads the adapters and checks them against the module tree; merging is refused into quantized weights and for a MoE-LoRA. */
export async function planAdapters(model: Flux, adapters: readonly AdapterOptions[], quantized: boolean): Promise<AdapterPlan> {
  const names = adapterNames(adapters);
  const targets = adapters.length > 0 ? LoraTargets.fromParams(model.parameters()) : null;
  const descriptions: LoraDescription[] = [];
  for (const [i, a] of adapters.entries()) {
    checkScale(names[i] as string, a.scale ?? 1);
    const d = await readLoraAdapter(a.source, targets as LoraTargets, { topK: a.topK });
    if (a.merge && d.hasMoe) {
      throw new LoraMergeError(
        `adapter ${names[i]} (${d.source}) is a MoE-LoRA: its experts are chosen per token, so it cannot be merged into the weights; load it with merge: false`,
      );
    }
    descriptions.push(d);
  }
  if (quantized && adapters.some((a) => a.merge)) {
    throw new LoraMergeError(
      "merging LoRA into quantized weights is not supported: leave the adapters unmerged (their branches stay in float)",
    );
  }
  let branches = 0;
  const slots = adapters.map((a) => (a.merge ? -1 : branches++));
  return {
    descriptions,
    mergeScales: adapters.map((a) => (a.merge ? (a.scale ?? 1) : null)),
    loaded: descriptions.map((d, i) => describe(names[i] as string, adapters[i] as AdapterOptions, d)),
    slots,
    branchBytes: descriptions.reduce((sum, d, i) => (adapters[i]?.merge ? sum : sum + adapterBytes(d)), 0),
  };
}
