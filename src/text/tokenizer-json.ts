/**
 * The tokenizer.json documents (Hugging Face `tokenizers` format) for the two FLUX text encoders,
 * built the way transformers' slow-to-fast converters build them: CLIP (CLIPConverter) from
 * vocab.json + merges.txt, T5 (T5Converter) from a sentencepiece Unigram vocabulary. The shapes are
 * those `tokenizers` serialises, so a file written from them loads in Python too.
 */

/** One entry of tokenizer.json's `added_tokens`. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The parts of tokenizer.json this project writes (a JSON object; `tokenizers` reads it as is). */
export interface TokenizerJson {
  version: "1.0";
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: object | null;
  pre_tokenizer: object | null;
  post_processor: object | null;
  decoder: object | null;
  model: object;
}

/** The pre-tokenizer regex of CLIP (CLIPConverter): contractions, letter runs, single digits, symbol runs. */
export const CLIP_SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

export function addedToken(id: number, content: string, normalized: boolean, special = true): AddedTokenJson {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized, special };
}

export interface ClipJsonParts {
  /** token -> id, the whole vocabulary including BOS and EOS (as vocab.json holds it). */
  vocab: Record<string, number>;
  /** merges in rank order, each a pair of tokens. */
  merges: readonly (readonly [string, string])[];
  bos: { content: string; id: number };
  eos: { content: string; id: number };
  unk: string;
  addedTokens: AddedTokenJson[];
}

/** CLIPTokenizerFast's tokenizer.json: NFC + whitespace + lowercase, CLIP split + byte level, BPE with `</w>`. */
export function clipTokenizerJson(p: ClipJsonParts): TokenizerJson {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: p.addedTokens,
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "NFC" }, { type: "Replace", pattern: { Regex: "\\s+" }, content: " " }, { type: "Lowercase" }],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: CLIP_SPLIT_REGEX }, behavior: "Removed", invert: true },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: [p.eos.content, p.eos.id],
      cls: [p.bos.content, p.bos.id],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: p.unk,
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: p.vocab,
      merges: p.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

export interface T5JsonParts {
  /** [piece, score] in id order, extra ids included. */
  pieces: readonly (readonly [string, number])[];
  unkId: number;
  eos: string;
  eosId: number;
  addedTokens: AddedTokenJson[];
  /** base64 of sentencepiece's precompiled normalisation map, when the model has one. */
  precompiledCharsmap?: string;
  /** "always" for T5's legacy behaviour (the default), "first" for legacy=false, "never" without prefix space. */
  prependScheme: "always" | "first" | "never";
  byteFallback: boolean;
}

/** T5TokenizerFast's tokenizer.json: sentencepiece normaliser, Metaspace, Unigram, `$A </s>`. */
export function t5TokenizerJson(p: T5JsonParts): TokenizerJson {
  const normalizers: object[] = [];
  if (p.precompiledCharsmap) normalizers.push({ type: "Precompiled", precompiled_charsmap: p.precompiledCharsmap });
  normalizers.push({ type: "Strip", strip_left: false, strip_right: true });
  normalizers.push({ type: "Replace", pattern: { Regex: " {2,}" }, content: "\u2581" });
  const metaspace = { type: "Metaspace", replacement: "\u2581", prepend_scheme: p.prependScheme, split: true };
  const eos = { SpecialToken: { id: p.eos, type_id: 0 } };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: p.addedTokens,
    normalizer: { type: "Sequence", normalizers },
    pre_tokenizer: metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ Sequence: { id: "A", type_id: 0 } }, eos],
      pair: [{ Sequence: { id: "A", type_id: 0 } }, eos, { Sequence: { id: "B", type_id: 0 } }, eos],
      special_tokens: { [p.eos]: { id: p.eos, ids: [p.eosId], tokens: [p.eos] } },
    },
    decoder: metaspace,
    model: {
      type: "Unigram",
      unk_id: p.unkId,
      vocab: p.pieces.map(([piece, score]) => [piece, score]),
      byte_fallback: p.byteFallback,
    },
  };
}
