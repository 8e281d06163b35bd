/**
 * A trainable adapter from an adapter file (`--init-adapter`, e.g. ICEdit's released MoE-LoRA):
 * weights/lora reads the file and maps each module to its layer, rows, scaling and top-k; the
 * tensors are then taken under the file's own keys, unchanged (BF16 ones as float32), so the
 * trained adapter is saved in the layout it was read in.
 */
import type { Tensor } from "../../tensor.js";
import { parseKey, stripModulePrefixes } from "../../weights/lora/keys.js";
import { readLoraAdapter } from "../../weights/lora/read.js";
import type { LoraTargets } from "../../weights/lora/targets.js";
import type { TensorSource } from "../../weights/source.js";
import { TrainableAdapterError } from "./errors.js";
import { moduleKeys, type TrainableModule } from "./modules.js";
import { TrainableAdapter } from "./trainable-adapter.js";

export interface AdapterFileOptions {
  /** Experts each token uses in MoE layers; default: what readLoraAdapter takes (the file's recorded top-k, else 1 as ICEdit's loader). */
  readonly topK?: number;
  /**
   * expert_alpha / expert_rank of the MoE modules. Files do not store it and ICEdit's loader forces
   * expert_alpha = expert_rank (1, the default); a run that trained with another value gives it here.
   */
  readonly expertScaling?: number;
}

/** The keys of one module of the file, by role. */
interface ModuleKeys {
  a?: string;
  b?: string;
  route?: string;
  alpha?: string;
  bias?: string;
  readonly expertA: Map<number, string>;
  readonly expertB: Map<number, string>;
}

function keysByModule(names: readonly string[]): Map<string, ModuleKeys> {
  const out = new Map<string, ModuleKeys>();
  for (const key of names) {
    const parsed = parseKey(key);
    if (!parsed) continue;
    const name = stripModulePrefixes(parsed.module);
    let keys = out.get(name);
    if (!keys) {
      keys = { expertA: new Map(), expertB: new Map() };
      out.set(name, keys);
    }
    const role = parsed.role;
    if (role.kind === "A") keys.a = key;
    else if (role.kind === "B") keys.b = key;
    else if (role.kind === "route") keys.route = key;
    else if (role.kind === "alpha") keys.alpha = key;
    else if (role.kind === "bias") keys.bias = key;
    else if (role.kind === "expertA") keys.expertA.set(role.expert, key);
    else if (role.kind === "expertB") keys.expertB.set(role.expert, key);
  }
  return out;
}

function required(key: string | undefined, what: string, file: string): string {
  if (key === undefined) throw new TrainableAdapterError(`${file}: ${what} is missing`);
  return key;
}

/** Reads `source` as the initial state of an adapter to train on the model whose layers `targets` describes. */
export async function trainableAdapterFromFile(
  source: TensorSource,
  targets: LoraTargets,
  options: AdapterFileOptions = {},
): Promise<TrainableAdapter> {
  const file = source.description;
  const description = await readLoraAdapter(source, targets, { topK: options.topK });
  const byModule = keysByModule(source.names());
  const modules: TrainableModule[] = [];
  const constants = new Map<string, Tensor<"f32">>();
  for (const layer of description.layers.values()) {
    for (const u of layer.plain) {
      const keys = byModule.get(u.module);
      const target = targets.resolve(u.module);
      if (!keys || !target) throw new TrainableAdapterError(`${file}: module ${u.module} has no keys or no layer`);
      if (u.bias) {
        throw new TrainableAdapterError(
          `${file}: module ${u.module} has a lora_B bias, which training does not support: start from an adapter without biases`,
        );
      }
      const a = required(keys.a, `lora_A of ${u.module}`, file);
      if (keys.alpha !== undefined) constants.set(keys.alpha, await source.readF32(keys.alpha));
      modules.push({
        kind: "plain",
        module: u.module,
        target,
        a,
        b: required(keys.b, `lora_B of ${u.module}`, file),
        rank: u.A.dims[0] as number,
        scaling: u.scaling,
      });
    }
    for (const u of layer.moe) {
      const keys = byModule.get(u.module);
      const target = targets.resolve(u.module);
      if (!keys || !target) throw new TrainableAdapterError(`${file}: module ${u.module} has no keys or no layer`);
      const experts = u.experts.map((_, e) => ({
        a: required(keys.expertA.get(e), `lora_A.expert_${e} of ${u.module}`, file),
        b: required(keys.expertB.get(e), `lora_B.expert_${e} of ${u.module}`, file),
      }));
      const rank = u.experts[0]?.A.dims[0] ?? 0;
      const route = required(keys.route, `lora_route of ${u.module}`, file);
      if (keys.alpha !== undefined) constants.set(keys.alpha, await source.readF32(keys.alpha));
      modules.push({
        kind: "moe",
        module: u.module,
        target,
        experts,
        route,
        rank,
        expertScaling: options.expertScaling ?? u.expertScaling,
        topK: u.topK,
      });
    }
  }
  const initial = new Map<string, Tensor<"f32">>();
  for (const key of modules.flatMap(moduleKeys)) initial.set(key, await source.readF32(key));
  return new TrainableAdapter(modules, initial, constants);
}
