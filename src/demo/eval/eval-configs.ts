/**
 * The configurations of the README's accuracy table (issue 15, item 5), each found in the demo
 * model folder that make-demo-model writes:
 *   base        the FLUX Fill base alone with the IC prompt (training-free, the paper's "FLUX.1 Fill" row)
 *   lora        the plain LoRA (icedit-lora/)
 *   moe         the LoRA-MoE (icedit-moe-lora/)
 *   moe+select  the LoRA-MoE with noise selection judged by the rule judge
 *   vae         no edit: the target through the model's VAE (the ceiling the autoencoder allows,
 *               vae-ceiling.ts)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEMO_LORA_FILE, DEMO_MOE_LORA_FILE } from "../make-demo-model.js";
import { EvalDemoOptionError } from "./errors.js";

export const EVAL_CONFIGS = ["base", "lora", "moe", "moe+select", "vae"] as const;
export type EvalConfigName = (typeof EVAL_CONFIGS)[number];

export interface EvalConfig {
  readonly name: EvalConfigName;
  /** The row's name in the table. */
  readonly label: string;
  /** The adapter file inside the model folder; null: none. */
  readonly adapter: string | null;
  readonly select: boolean;
  /** The VAE ceiling row: the target autoencoded, no transformer. */
  readonly ceiling: boolean;
}

const CONFIGS: Readonly<Record<EvalConfigName, EvalConfig>> = {
  base: { name: "base", label: "FLUX Fill base, IC prompt (no adapter)", adapter: null, select: false, ceiling: false },
  lora: { name: "lora", label: "LoRA", adapter: DEMO_LORA_FILE, select: false, ceiling: false },
  moe: { name: "moe", label: "LoRA-MoE", adapter: DEMO_MOE_LORA_FILE, select: false, ceiling: false },
  "moe+select": { name: "moe+select", label: "LoRA-MoE + noise selection", adapter: DEMO_MOE_LORA_FILE, select: true, ceiling: false },
  vae: { name: "vae", label: "ceiling: the target through the VAE (no edit)", adapter: null, select: false, ceiling: true },
};

/** "base,lora,moe,moe+select" -> the configurations, in the order given; unknown or repeated names are refused. */
export function parseEvalConfigs(text: string): EvalConfig[] {
  const names = text.split(",").map((name) => name.trim());
  const configs: EvalConfig[] = [];
  for (const name of names) {
    if (!(EVAL_CONFIGS as readonly string[]).includes(name))
      throw new EvalDemoOptionError("configs", `takes a comma-separated list of ${EVAL_CONFIGS.join(", ")}, got "${name}" in "${text}"`);
    if (configs.some((c) => c.name === name)) throw new EvalDemoOptionError("configs", `names "${name}" twice in "${text}"`);
    configs.push(CONFIGS[name as EvalConfigName]);
  }
  return configs;
}

/** The configuration's adapters as session adapter specs: [] for the base, else the file in `modelDir`, which must exist. */
export function configAdapters(config: EvalConfig, modelDir: string): string[] {
  if (config.adapter === null) return [];
  const path = join(modelDir, config.adapter);
  if (!existsSync(path))
    throw new EvalDemoOptionError(
      "configs",
      `${config.name} needs the adapter ${path}, which is missing: is ${modelDir} a folder written by icedit make-demo-model?`,
    );
  return [path];
}
