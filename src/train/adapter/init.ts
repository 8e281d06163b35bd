/**
 * A freshly initialised adapter for ICEdit's modules (weights/lora iceditLoraModules), as ICEdit's
 * training code makes it (River-Zhang/ICEdit, its forked peft `icedit/peft/tuners/lora/layer.py`,
 * init_lora_weights "gaussian"):
 *   - plain LoRA: A ~ N(0, (1/r)^2) (PEFT: normal_(std = 1/r)), B = 0; scaling alpha / r;
 *   - MoE-LoRA (`update_moe_layer`): each expert's A, B are reset the same way (A gaussian with
 *     std 1/expert_rank, B = 0); the router `lora_route` is an nn.Linear(in, E, bias=False) that is
 *     not reset, so it keeps torch's default nn.Linear init, kaiming_uniform(a = sqrt(5)), which is
 *     U(-1/sqrt(in), 1/sqrt(in)). Expert scaling is 1: ICEdit's loader forces expert_alpha =
 *     expert_rank, so a saved MoE adapter loads back with scaling 1 whatever alpha was.
 * The draws come from one torch-compatible generator (TorchGenerator.randn, uniform from its
 * float uniform), tensor by tensor in module order: seeded and repeatable, not torch's own order.
 */
import { TorchGenerator } from "../../sampling/torch-rng.js";
import { tensor, type Tensor } from "../../tensor.js";
import { isMoeModule, loraKeys, loraRouteKey, type IceditLoraModule } from "../../weights/lora/icedit-modules.js";
import type { LoraTargets } from "../../weights/lora/targets.js";
import { TrainableAdapterError } from "./errors.js";
import type { TrainableModule } from "./modules.js";
import { TrainableAdapter } from "./trainable-adapter.js";

export interface FreshAdapterOptions {
  readonly rank: number;
  /** Plain LoRA scaling alpha / rank; default alpha = rank. */
  readonly alpha?: number;
  /** Experts in the MoE modules (ff.net / proj_out); 0 or absent: plain LoRA everywhere. */
  readonly experts?: number;
  /** Experts per token (default 1, as ICEdit). */
  readonly topK?: number;
  readonly seed: number;
}

function gaussian(gen: TorchGenerator, dims: readonly number[], std: number): Tensor<"f32"> {
  const t = gen.randn(dims, "f32");
  for (let i = 0; i < t.data.length; i++) t.data[i] = (t.data[i] as number) * std;
  return t;
}

function uniform(gen: TorchGenerator, dims: readonly number[], bound: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  for (let i = 0; i < t.data.length; i++) t.data[i] = (gen.nextFloatUniform() * 2 - 1) * bound;
  return t;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new TrainableAdapterError(`${name} must be a positive integer, got ${value}`);
}

/** A new adapter on `modules` (diffusers names) of the model whose layers `targets` describes. */
export function freshTrainableAdapter(
  targets: LoraTargets,
  modules: readonly IceditLoraModule[],
  options: FreshAdapterOptions,
): TrainableAdapter {
  const { rank, seed } = options;
  const alpha = options.alpha ?? rank;
  const experts = options.experts ?? 0;
  const topK = options.topK ?? 1;
  positiveInteger("rank", rank);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new TrainableAdapterError(`alpha must be a positive number, got ${alpha}`);
  if (experts !== 0) positiveInteger("experts", experts);
  if (experts > 0 && (!Number.isInteger(topK) || topK < 1 || topK > experts)) {
    throw new TrainableAdapterError(`top-k must be between 1 and the ${experts} experts, got ${topK}`);
  }
  const gen = new TorchGenerator(seed);
  const initial = new Map<string, Tensor<"f32">>();
  const constants = new Map<string, Tensor<"f32">>();
  const out: TrainableModule[] = [];
  for (const m of modules) {
    const target = targets.resolve(m.module);
    if (!target) throw new TrainableAdapterError(`the model has no layer for adapter module ${m.module}`);
    const rows = target.rowEnd - target.rowStart;
    if (experts > 0 && isMoeModule(m.module)) {
      const keys = Array.from({ length: experts }, (_, e) => loraKeys(m.module, e));
      for (const k of keys) {
        initial.set(k.a, gaussian(gen, [rank, target.inFeatures], 1 / rank));
        initial.set(k.b, tensor("f32", [rows, rank]));
      }
      const route = loraRouteKey(m.module);
      initial.set(route, uniform(gen, [experts, target.inFeatures], 1 / Math.sqrt(target.inFeatures)));
      out.push({ kind: "moe", module: m.module, target, experts: keys, route, rank, expertScaling: 1, topK });
      continue;
    }
    const k = loraKeys(m.module);
    initial.set(k.a, gaussian(gen, [rank, target.inFeatures], 1 / rank));
    initial.set(k.b, tensor("f32", [rows, rank]));
    if (alpha !== rank) constants.set(`transformer.${m.module}.alpha`, tensor("f32", [], new Float32Array([alpha])));
    out.push({ kind: "plain", module: m.module, target, a: k.a, b: k.b, rank, scaling: alpha / rank });
  }
  return new TrainableAdapter(out, initial, constants);
}
