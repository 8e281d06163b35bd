/**
 * The scaling alpha / r of each LoRA module: from `.alpha` keys (kohya, diffusers network
 * alphas), else from diffusers' `lora_adapter_metadata` (a PEFT LoraConfig as JSON in the
 * safetensors metadata: r, lora_alpha, rank_pattern, alpha_pattern, use_rslora), else 1.
 */
import { LoraFormatError } from "./errors.js";

/** The safetensors metadata key diffusers writes the LoraConfig under. */
export const LORA_METADATA_KEY = "lora_adapter_metadata";

export interface PeftConfig {
  readonly r: number | null;
  readonly loraAlpha: number | null;
  readonly rankPattern: ReadonlyMap<string, number>;
  readonly alphaPattern: ReadonlyMap<string, number>;
  readonly useRslora: boolean;
  readonly useDora: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numberMap(file: string, field: string, v: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (v === undefined || v === null) return out;
  if (!isRecord(v)) throw new LoraFormatError(file, `${LORA_METADATA_KEY}: ${field} must be an object, got ${JSON.stringify(v)}`);
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== "number" || !(n > 0))
      throw new LoraFormatError(file, `${LORA_METADATA_KEY}: ${field}["${k}"] must be a positive number`);
    out.set(k, n);
  }
  return out;
}

function optionalNumber(file: string, field: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !(v > 0))
    throw new LoraFormatError(file, `${LORA_METADATA_KEY}: ${field} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The transformer's LoraConfig from the file metadata, or null when there is none. diffusers
 * stores the keys with a component prefix ("transformer.r", "transformer.lora_alpha", ...);
 * unprefixed keys are read too.
 */
export function readPeftConfig(metadata: Readonly<Record<string, string>>, file: string): PeftConfig | null {
  const raw = metadata[LORA_METADATA_KEY];
  if (raw === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new LoraFormatError(file, `${LORA_METADATA_KEY} in the safetensors metadata is not valid JSON`);
  }
  if (!isRecord(json)) throw new LoraFormatError(file, `${LORA_METADATA_KEY} must be a JSON object`);
  const prefixed = Object.keys(json).some((k) => k.startsWith("transformer."));
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    if (!prefixed) config[k] = v;
    else if (k.startsWith("transformer.")) config[k.slice("transformer.".length)] = v;
  }
  if (prefixed && Object.keys(config).length === 0) return null;
  return {
    r: optionalNumber(file, "r", config["r"]),
    loraAlpha: optionalNumber(file, "lora_alpha", config["lora_alpha"]),
    rankPattern: numberMap(file, "rank_pattern", config["rank_pattern"]),
    alphaPattern: numberMap(file, "alpha_pattern", config["alpha_pattern"]),
    useRslora: config["use_rslora"] === true,
    useDora: config["use_dora"] === true,
  };
}

/** PEFT's pattern rule: a pattern matches a module whose name is it or ends with "." + it (as a regex). */
function matchPattern(patterns: ReadonlyMap<string, number>, module: string): number | undefined {
  for (const [pattern, value] of patterns) {
    if (pattern === module || module.endsWith(`.${pattern}`)) return value;
    try {
      if (new RegExp(`^(?:.*\\.)?(?:${pattern})$`).test(module)) return value;
    } catch {
      // not a regular expression: only the literal rule above applies
    }
  }
  return undefined;
}

/**
 * alpha / r for a module of tensor rank `rank`: `alpha` from an alpha key wins; then the
 * config's alpha_pattern / lora_alpha (and its rank, which must equal the tensors' rank).
 */
export function moduleScaling(rank: number, alpha: number | null, config: PeftConfig | null, module: string, file: string): number {
  if (alpha !== null) return alpha / rank;
  if (!config) return 1;
  const r = matchPattern(config.rankPattern, module) ?? config.r ?? rank;
  if (r !== rank) {
    throw new LoraFormatError(file, `${LORA_METADATA_KEY} gives rank ${r} for ${module}, but its tensors have rank ${rank}`);
  }
  const a = matchPattern(config.alphaPattern, module) ?? config.loraAlpha ?? r;
  return config.useRslora ? a / Math.sqrt(r) : a / r;
}
