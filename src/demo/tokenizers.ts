/**
 * Small but structurally real tokenizer files for the demo FLUX.1 Fill model (random weights, real
 * diffusers layout): the same file names, JSON shapes and special-token layout transformers writes
 * for FLUX's `tokenizer/` (CLIP) and `tokenizer_2/` (T5), with a vocabulary of a chosen size.
 *
 * CLIP: ids 0..255 are the byte-level alphabet, 256..511 the same with `</w>`, then one id per BPE
 * merge (learned on a built-in word list), then BOS `<|startoftext|>` and EOS `<|endoftext|>` as the
 * two LAST ids, as in CLIP-L (49406, 49407): the pooling rule relies on EOS being the largest id.
 * Any text tokenizes without unknown tokens, so vocabSize must be at least 514.
 *
 * T5: a Unigram vocabulary `<pad>` 0, `</s>` 1, `<unk>` 2, then `▁`, the printable ASCII characters
 * (so English text needs no unknown token; other characters become `<unk>`, as in real T5), then
 * `▁word` pieces and letter pairs, by descending score. vocabSize must be at least 98.
 */
import { InvalidArgumentError } from "../errors.js";
import { byteLevelAlphabet } from "../text/byte-level.js";
import { demoWords } from "./corpus.js";
import { addedToken, clipTokenizerJson, t5TokenizerJson, type TokenizerJson } from "../text/tokenizer-json.js";

/** File name -> file content, ready to be written into a tokenizer folder. */
export type TokenizerFiles = Record<string, string>;

export const DEMO_CLIP_MIN_VOCAB = 514;
export const DEMO_T5_MIN_VOCAB = 98;

const BOS = "<|startoftext|>";
const EOS = "<|endoftext|>";
const EOW = "</w>";
const LETTERS = "abcdefghijklmnopqrstuvwxyz";

function tokenObject(content: string, normalized: boolean): Record<string, unknown> {
  return { content, lstrip: false, normalized, rstrip: false, single_word: false };
}

/** JSON with the given entries in the given order (JS objects would move integer-like keys first). */
function orderedObject(entries: readonly (readonly [string, number])[], indent: string): string {
  if (entries.length === 0) return "{}";
  const inner = entries.map(([k, v]) => `${indent}  ${JSON.stringify(k)}: ${v}`).join(",\n");
  return `{\n${inner}\n${indent}}`;
}

/** tokenizer.json text, pretty-printed like `tokenizers`, with the BPE vocabulary in id order. */
function tokenizerJsonText(json: TokenizerJson, vocabEntries?: readonly (readonly [string, number])[]): string {
  if (!vocabEntries) return JSON.stringify(json, null, 2) + "\n";
  const marker = "\u0000VOCAB\u0000";
  const text = JSON.stringify({ ...json, model: { ...json.model, vocab: marker } }, null, 2);
  return text.replace(JSON.stringify(marker), orderedObject(vocabEntries, "    ")) + "\n";
}

/**
 * Every BPE merge the demo vocabulary can have, in rank order: merges learned on the demo word list
 * (most frequent pair first, ties by text; a pair whose result is already a token is skipped, so each
 * merge adds exactly one token, as in CLIP's table), then the remaining letter pairs. Training stops
 * early for a smaller table, so any table is a prefix of this one.
 */
function allDemoMerges(): readonly (readonly [string, string])[] {
  if (allMergesCache) return allMergesCache;
  const base = byteLevelAlphabet().map(([, ch]) => ch);
  const known = new Set([...base, ...base.map((c) => c + EOW)]);
  // Only letter words: CLIP's pre-tokenizer splits "side-by-side" at the hyphens before BPE sees it.
  const words = demoWords()
    .filter(([w]) => /^[a-z]+$/.test(w))
    .map(([w, freq]) => {
      const symbols = [...w];
      symbols[symbols.length - 1] += EOW;
      return { symbols, freq };
    });
  const merges: [string, string][] = [];
  for (;;) {
    const pairs = new Map<string, number>();
    for (const { symbols, freq } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        if (known.has((symbols[i] as string) + (symbols[i + 1] as string))) continue;
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + freq);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, n];
    }
    if (best === undefined) break;
    const [a, b] = best.split(" ") as [string, string];
    merges.push([a, b]);
    known.add(a + b);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (w.symbols[i] === a && w.symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.symbols[i] as string);
      }
      w.symbols = out;
    }
  }
  for (const a of LETTERS) {
    for (const b of LETTERS) {
      for (const right of [b, b + EOW]) {
        if (known.has(a + right)) continue;
        merges.push([a, right]);
        known.add(a + right);
      }
    }
  }
  allMergesCache = merges;
  return merges;
}

let allMergesCache: readonly (readonly [string, string])[] | undefined;

function checkSize(what: string, vocabSize: number, min: number, max: number): void {
  if (!Number.isInteger(vocabSize) || vocabSize < min || vocabSize > max) {
    throw new InvalidArgumentError(`the demo ${what} tokenizer needs ${min} <= vocabSize <= ${max}, got ${vocabSize}`);
  }
}

/** Options shared by the demo generators. */
export interface DemoTokenizerOptions {
  /**
   * CLIP only: also write tokenizer.json (default true). FLUX.1's own `tokenizer/` folder has only
   * vocab.json + merges.txt; pass false to mirror that exactly.
   */
  readonly tokenizerJson?: boolean;
}

/** The CLIP `tokenizer/` folder: vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json (+ tokenizer.json). */
export function demoClipTokenizerFiles(vocabSize: number, options: DemoTokenizerOptions = {}): TokenizerFiles {
  const all = allDemoMerges();
  checkSize("CLIP", vocabSize, DEMO_CLIP_MIN_VOCAB, DEMO_CLIP_MIN_VOCAB + all.length);
  const merges = all.slice(0, vocabSize - DEMO_CLIP_MIN_VOCAB);
  const base = byteLevelAlphabet().map(([, ch]) => ch);

  const tokens = [...base, ...base.map((c) => c + EOW), ...merges.map(([a, b]) => a + b), BOS, EOS];
  const byId: [string, number][] = tokens.map((t, id) => [t, id]);
  const vocab = Object.fromEntries(byId);
  const bosId = vocabSize - 2;
  const eosId = vocabSize - 1;
  const added = [addedToken(bosId, BOS, true), addedToken(eosId, EOS, false)];

  const sorted = [...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const config = {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      added.map((t) => [
        String(t.id),
        {
          content: t.content,
          lstrip: false,
          normalized: t.normalized,
          rstrip: false,
          single_word: false,
          special: true,
        },
      ]),
    ),
    bos_token: BOS,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: EOS,
    errors: "replace",
    model_max_length: 77,
    pad_token: EOS,
    tokenizer_class: "CLIPTokenizer",
    unk_token: EOS,
  };
  const specialMap = {
    bos_token: tokenObject(BOS, true),
    eos_token: tokenObject(EOS, false),
    pad_token: tokenObject(EOS, false),
    unk_token: tokenObject(EOS, false),
  };
  const files: TokenizerFiles = {
    "vocab.json": orderedObject(sorted, "") + "\n",
    "merges.txt": ["#version: 0.2", ...merges.map(([a, b]) => `${a} ${b}`)].join("\n") + "\n",
    "tokenizer_config.json": JSON.stringify(config, null, 2) + "\n",
    "special_tokens_map.json": JSON.stringify(specialMap, null, 2) + "\n",
  };
  if (options.tokenizerJson ?? true) {
    const json = clipTokenizerJson({
      vocab,
      merges,
      bos: { content: BOS, id: bosId },
      eos: { content: EOS, id: eosId },
      unk: EOS,
      addedTokens: added,
    });
    files["tokenizer.json"] = tokenizerJsonText(json, byId);
  }
  return files;
}

/** The T5 pieces after the three specials, by descending score (sentencepiece's order). */
function demoT5Pieces(count: number): [string, number][] {
  const pieces: [string, number][] = [["\u2581", -2]];
  const chars: string[] = [];
  for (let c = 0x21; c <= 0x7e; c++) chars.push(String.fromCharCode(c));
  const charScore = (ch: string): number =>
    /[a-z]/.test(ch) ? -9 - LETTERS.indexOf(ch) * 0.01 : /[A-Z]/.test(ch) ? -10.5 : /[0-9]/.test(ch) ? -10.8 : -11;
  const words = demoWords();
  const total = words.reduce((s, [, f]) => s + f, 0);
  const optional: [string, number][] = words.map(([w, f]) => [`\u2581${w}`, Math.log(f / total) - 1]);
  for (const a of LETTERS) for (const b of LETTERS) optional.push([a + b, -12 - (LETTERS.indexOf(a) * 26 + LETTERS.indexOf(b)) * 0.001]);
  const unique = [...new Map(optional).entries()];
  const chosen = [...pieces, ...chars.map((ch): [string, number] => [ch, charScore(ch)]), ...unique.slice(0, count - 1 - chars.length)];
  return chosen.sort((x, y) => y[1] - x[1]);
}

/** The T5 `tokenizer_2/` folder: tokenizer.json, tokenizer_config.json, special_tokens_map.json. */
export function demoT5TokenizerFiles(vocabSize: number, modelMaxLength = 512): TokenizerFiles {
  const optionalMax = demoWords().length + LETTERS.length * LETTERS.length;
  checkSize("T5", vocabSize, DEMO_T5_MIN_VOCAB, DEMO_T5_MIN_VOCAB + optionalMax);
  const pieces: [string, number][] = [["<pad>", 0], ["</s>", 0], ["<unk>", 0], ...demoT5Pieces(vocabSize - 3)];
  const added = [addedToken(0, "<pad>", false), addedToken(1, "</s>", false), addedToken(2, "<unk>", false)];
  const json = t5TokenizerJson({
    pieces,
    unkId: 2,
    eos: "</s>",
    eosId: 1,
    addedTokens: added,
    prependScheme: "always",
    byteFallback: false,
  });
  // No sentencepiece charsmap here: NFKC and whitespace folding stand in for its nmt_nfkc rules.
  const normalizer = json.normalizer as { normalizers: object[] };
  normalizer.normalizers.unshift({ type: "NFKC" }, { type: "Replace", pattern: { Regex: "\\s" }, content: " " });
  const config = {
    added_tokens_decoder: Object.fromEntries(
      added.map((t) => [
        String(t.id),
        {
          content: t.content,
          lstrip: false,
          normalized: false,
          rstrip: false,
          single_word: false,
          special: true,
        },
      ]),
    ),
    additional_special_tokens: [],
    clean_up_tokenization_spaces: true,
    eos_token: "</s>",
    extra_ids: 0,
    legacy: true,
    model_max_length: modelMaxLength,
    pad_token: "<pad>",
    sp_model_kwargs: {},
    tokenizer_class: "T5Tokenizer",
    unk_token: "<unk>",
  };
  const specialMap = {
    eos_token: tokenObject("</s>", false),
    pad_token: tokenObject("<pad>", false),
    unk_token: tokenObject("<unk>", false),
  };
  return {
    "tokenizer.json": tokenizerJsonText(json),
    "tokenizer_config.json": JSON.stringify(config, null, 2) + "\n",
    "special_tokens_map.json": JSON.stringify(specialMap, null, 2) + "\n",
  };
}
