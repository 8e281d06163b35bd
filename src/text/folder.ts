/**
 * Finds and reads the tokenizer files of one diffusers tokenizer folder (`tokenizer/` for CLIP,
 * `tokenizer_2/` for T5) and returns a tokenizer.json document: the folder's own when it has one,
 * otherwise one built from CLIP's vocab.json + merges.txt or T5's spiece.model, as transformers
 * builds its fast tokenizers from the slow files.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { clipJsonFromVocab, parseMerges, parseVocabJson } from "./clip-vocab.js";
import { readSentencePieceModel, t5JsonFromSentencePiece } from "./sentencepiece.js";
import { readTokenizerConfig, type TokenizerConfigInfo } from "./tokenizer-config.js";
import { TokenizerFilesError, TokenizerFormatError } from "./errors.js";

export type TokenizerKind = "clip" | "t5";

export interface TokenizerFolder {
  /** tokenizer.json content (parsed or built). */
  readonly json: object;
  readonly config: TokenizerConfigInfo;
  /** The file the vocabulary came from, for error messages. */
  readonly source: string;
}

/** The alternatives `loadTokenizerFolder` looks for, in order of preference. */
export function tokenizerFileSets(kind: TokenizerKind): readonly (readonly string[])[] {
  return kind === "clip" ? [["tokenizer.json"], ["vocab.json", "merges.txt"]] : [["tokenizer.json"], ["spiece.model"]];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TokenizerFormatError(path, "is not valid JSON: re-download it", { cause: e });
  }
}

async function readOptionalJson(path: string): Promise<unknown> {
  return (await isFile(path)) ? readJson(path) : undefined;
}

export async function loadTokenizerFolder(dir: string, kind: TokenizerKind): Promise<TokenizerFolder> {
  const sets = tokenizerFileSets(kind);
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new TokenizerFilesError(dir, kind, sets, "the folder does not exist");

  const configFile = join(dir, "tokenizer_config.json");
  const mapFile = join(dir, "special_tokens_map.json");
  const config = readTokenizerConfig(await readOptionalJson(configFile), await readOptionalJson(mapFile), configFile, mapFile);

  const jsonFile = join(dir, "tokenizer.json");
  if (await isFile(jsonFile)) {
    const json = await readJson(jsonFile);
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new TokenizerFormatError(jsonFile, "must hold a JSON object");
    }
    return { json, config, source: jsonFile };
  }

  if (kind === "clip") {
    const vocabFile = join(dir, "vocab.json");
    const mergesFile = join(dir, "merges.txt");
    const [hasVocab, hasMerges] = [await isFile(vocabFile), await isFile(mergesFile)];
    if (hasVocab && hasMerges) {
      const vocab = parseVocabJson(await readFile(vocabFile, "utf8"), vocabFile);
      const merges = parseMerges(await readFile(mergesFile, "utf8"), mergesFile);
      const json = clipJsonFromVocab(vocab, merges, config, { vocab: vocabFile, merges: mergesFile });
      return { json, config, source: vocabFile };
    }
    if (hasVocab || hasMerges) {
      const missing = hasVocab ? "merges.txt" : "vocab.json";
      throw new TokenizerFilesError(dir, kind, sets, `the folder has ${hasVocab ? "vocab.json" : "merges.txt"} but no ${missing}`);
    }
  } else {
    const spmFile = join(dir, "spiece.model");
    if (await isFile(spmFile)) {
      const model = readSentencePieceModel(new Uint8Array(await readFile(spmFile)), spmFile);
      return { json: t5JsonFromSentencePiece(model, config, spmFile), config, source: spmFile };
    }
  }
  throw new TokenizerFilesError(dir, kind, sets, `no ${kind === "clip" ? "CLIP" : "T5"} tokenizer files in the folder`);
}
