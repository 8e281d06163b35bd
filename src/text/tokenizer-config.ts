/**
 * Reads what transformers keeps beside tokenizer.json: tokenizer_config.json and
 * special_tokens_map.json. Both name the special tokens, either as plain strings or as AddedToken
 * objects ({"content": ...}); special_tokens_map.json wins where both do, as in transformers.
 */
import type { AddedTokenJson } from "./tokenizer-json.js";
import { TokenizerFormatError } from "./errors.js";

export interface TokenizerConfigInfo {
  readonly bos?: string;
  readonly eos?: string;
  readonly pad?: string;
  readonly unk?: string;
  /** tokenizer_config.json's `added_tokens_decoder`, as tokenizer.json entries. */
  readonly addedTokens: readonly AddedTokenJson[];
  readonly extraIds?: number;
  readonly legacy?: boolean;
  readonly addPrefixSpace?: boolean;
  /** tokenizer_config.json's `model_max_length` when it is a whole number (transformers writes 1e30 for "none"). */
  readonly modelMaxLength?: number;
}

const EMPTY: TokenizerConfigInfo = { addedTokens: [] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function tokenText(value: unknown, file: string, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value["content"] === "string") return value["content"];
  throw new TokenizerFormatError(file, `"${key}" is neither a string nor an AddedToken object with "content"`);
}

function flag(entry: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = entry[key];
  return typeof v === "boolean" ? v : fallback;
}

function addedTokensDecoder(value: unknown, file: string): AddedTokenJson[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) throw new TokenizerFormatError(file, `"added_tokens_decoder" must be an object of id -> token`);
  const out: AddedTokenJson[] = [];
  for (const [idText, entry] of Object.entries(value)) {
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 0 || !isRecord(entry) || typeof entry["content"] !== "string") {
      throw new TokenizerFormatError(file, `"added_tokens_decoder" entry ${JSON.stringify(idText)} is not id -> {content, ...}`);
    }
    out.push({
      id,
      content: entry["content"],
      single_word: flag(entry, "single_word", false),
      lstrip: flag(entry, "lstrip", false),
      rstrip: flag(entry, "rstrip", false),
      normalized: flag(entry, "normalized", false),
      special: flag(entry, "special", true),
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * Merges the two files (either may be absent: pass undefined). `configFile` and `mapFile` are the
 * paths used in error messages.
 */
export function readTokenizerConfig(config: unknown, specialMap: unknown, configFile: string, mapFile: string): TokenizerConfigInfo {
  if (config === undefined && specialMap === undefined) return EMPTY;
  if (config !== undefined && !isRecord(config)) throw new TokenizerFormatError(configFile, "must hold a JSON object");
  if (specialMap !== undefined && !isRecord(specialMap)) throw new TokenizerFormatError(mapFile, "must hold a JSON object");
  const c = config ?? {};
  const m = specialMap ?? {};
  const pick = (key: string): string | undefined => tokenText(m[key], mapFile, key) ?? tokenText(c[key], configFile, key);
  const extraIds = c["extra_ids"];
  const legacy = c["legacy"];
  const addPrefixSpace = c["add_prefix_space"];
  const modelMaxLength = c["model_max_length"];
  return {
    bos: pick("bos_token"),
    eos: pick("eos_token"),
    pad: pick("pad_token"),
    unk: pick("unk_token"),
    addedTokens: addedTokensDecoder(c["added_tokens_decoder"], configFile),
    ...(typeof extraIds === "number" ? { extraIds } : {}),
    ...(typeof legacy === "boolean" ? { legacy } : {}),
    ...(typeof addPrefixSpace === "boolean" ? { addPrefixSpace } : {}),
    ...(Number.isSafeInteger(modelMaxLength) && (modelMaxLength as number) >= 1 ? { modelMaxLength: modelMaxLength as number } : {}),
  };
}
