/**
 * CLIP's slow-tokenizer files (vocab.json + merges.txt, what FLUX's `tokenizer/` folder ships) turned
 * into the tokenizer.json that transformers' CLIPTokenizerFast would build from them.
 */
import { addedToken, clipTokenizerJson, type AddedTokenJson, type TokenizerJson } from "./tokenizer-json.js";
import type { TokenizerConfigInfo } from "./tokenizer-config.js";
import { TokenizerFormatError } from "./errors.js";

/**
 * CLIP keeps 49152 - 256 - 2 = 48894 merges (its BPE table is 49408 = 512 byte symbols + merges +
 * BOS + EOS); transformers' CLIPTokenizer cuts merges.txt there, and so does this reader.
 */
export const CLIP_MAX_MERGES = 49152 - 256 - 2;

export const CLIP_DEFAULT_SPECIALS = { bos: "<|startoftext|>", eos: "<|endoftext|>", unk: "<|endoftext|>", pad: "<|endoftext|>" };

export function parseVocabJson(text: string, file: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TokenizerFormatError(file, "is not valid JSON: re-download it", { cause: e });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TokenizerFormatError(file, "must be a JSON object of token -> id");
  }
  const vocab: Record<string, number> = {};
  for (const [token, id] of Object.entries(parsed)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new TokenizerFormatError(file, `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`);
    }
    vocab[token] = id;
  }
  return vocab;
}

/** merges.txt: an optional `#version` header, then one `left right` pair per line, in rank order. */
export function parseMerges(text: string, file: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length && merges.length < CLIP_MAX_MERGES; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line === "" || (i === 0 && line.startsWith("#version"))) continue;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new TokenizerFormatError(file, `line ${i + 1} is ${JSON.stringify(line)}, not two tokens separated by one space`);
    }
    merges.push([parts[0] as string, parts[1] as string]);
  }
  return merges;
}

/** Builds CLIPTokenizerFast's tokenizer.json; every merge and special token must be in the vocabulary. */
export function clipJsonFromVocab(
  vocab: Record<string, number>,
  merges: readonly (readonly [string, string])[],
  config: TokenizerConfigInfo,
  files: { vocab: string; merges: string },
): TokenizerJson {
  const has = (t: string): boolean => Object.hasOwn(vocab, t);
  merges.forEach(([a, b], rank) => {
    for (const t of [a, b, a + b]) {
      if (!has(t)) {
        throw new TokenizerFormatError(
          files.merges,
          `merge ${rank + 1} (${JSON.stringify(`${a} ${b}`)}) uses ${JSON.stringify(t)}, which ${files.vocab} lacks: the two files do not belong together`,
        );
      }
    }
  });
  const bos = config.bos ?? CLIP_DEFAULT_SPECIALS.bos;
  const eos = config.eos ?? CLIP_DEFAULT_SPECIALS.eos;
  const unk = config.unk ?? CLIP_DEFAULT_SPECIALS.unk;
  const pad = config.pad ?? CLIP_DEFAULT_SPECIALS.pad;
  const idOf = (t: string, role: string): number => {
    if (!has(t)) throw new TokenizerFormatError(files.vocab, `the ${role} token ${JSON.stringify(t)} is not in the vocabulary`);
    return vocab[t] as number;
  };
  const bosId = idOf(bos, "BOS");
  const eosId = idOf(eos, "EOS");
  idOf(unk, "unknown");
  idOf(pad, "padding");
  let added: AddedTokenJson[] = [...config.addedTokens];
  if (added.length === 0) {
    const seen = new Set<string>();
    for (const t of [bos, eos, unk, pad]) {
      if (seen.has(t)) continue;
      seen.add(t);
      added.push(addedToken(vocab[t] as number, t, t === bos));
    }
    added = added.sort((x, y) => x.id - y.id);
  }
  for (const t of added) {
    if (has(t.content) && vocab[t.content] !== t.id) {
      throw new TokenizerFormatError(
        files.vocab,
        `added token ${JSON.stringify(t.content)} has id ${t.id} in the tokenizer config but ${vocab[t.content]} here`,
      );
    }
  }
  return clipTokenizerJson({
    vocab,
    merges,
    bos: { content: bos, id: bosId },
    eos: { content: eos, id: eosId },
    unk,
    addedTokens: added,
  });
}
