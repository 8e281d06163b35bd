/**
 * Published expectations from the reference implementations, reproduced with hand-written tiny
 * vocabularies (the data below is restated from those tests, not copied code):
 *
 * - transformers' CLIPTokenizer test: vocab of 23 tokens, merges "l o", "lo w</w>", "e r</w>";
 *   "lower newer" -> lo w er</w> n e w er</w> = [10, 2, 16, 9, 3, 2, 16], the unknown token 20.
 * - Hugging Face tokenizers' Unigram test (`test_encode2`, fuse_unk on): 12 pieces with scores,
 *   e.g. "xabcabaabcdd" -> x abc ab a ab cd d, "ababcdabcdcd" -> ab abcdabcd cd.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PromptTokenizer } from "../../src/text/index.js";
import { tempFolder } from "./helpers.js";

const CLIP_VOCAB = [
  "l",
  "o",
  "w",
  "e",
  "r",
  "s",
  "t",
  "i",
  "d",
  "n",
  "lo",
  "l</w>",
  "w</w>",
  "r</w>",
  "t</w>",
  "low</w>",
  "er</w>",
  "lowest</w>",
  "newer</w>",
  "wider",
  "<unk>",
  "<|startoftext|>",
  "<|endoftext|>",
];

test("transformers' CLIP fixture through vocab.json + merges.txt: lower newer", async () => {
  const vocab = Object.fromEntries(CLIP_VOCAB.map((t, i) => [t, i]));
  const { dir, cleanup } = await tempFolder({
    "vocab.json": JSON.stringify(vocab) + "\n",
    "merges.txt": ["#version: 0.2", "l o", "lo w</w>", "e r</w>"].join("\n"),
    "special_tokens_map.json": JSON.stringify({ unk_token: "<unk>" }),
  });
  try {
    const tok = await PromptTokenizer.fromFolder(dir, "clip", 12);
    assert.deepEqual(tok.contentIds("lower newer"), [10, 2, 16, 9, 3, 2, 16]);
    assert.deepEqual(tok.contentIds("lower newer x"), [10, 2, 16, 9, 3, 2, 16, 20]);
    // Lowercasing and whitespace folding happen before BPE, as in CLIPTokenizer.
    assert.deepEqual(tok.contentIds("  LOWER\tNewer "), [10, 2, 16, 9, 3, 2, 16]);
    assert.deepEqual(tok.encode("lower newer").ids, [21, 10, 2, 16, 9, 3, 2, 16, 22, 22, 22, 22]);
  } finally {
    await cleanup();
  }
});

test("tokenizers' Unigram fixture (test_encode2): Viterbi segmentation and fused unknowns", () => {
  const pieces: [string, number][] = [
    ["<unk>", 0],
    ["ab", 0],
    ["cd", -0.1],
    ["abc", -0.2],
    ["a", -0.3],
    ["b", -0.4],
    ["c", -0.5],
    ["ABC", -0.5],
    ["abcdabcd", 20],
    ["q", 20.5],
    ["r", 20.5],
    ["qr", -0.5],
  ];
  const json = {
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    model: { type: "Unigram", unk_id: 0, vocab: pieces, byte_fallback: false },
  };
  const tok = PromptTokenizer.fromJson(json, "t5", 8, { eos: 0, pad: 0 });
  const cases: [string, string[]][] = [
    ["abc", ["abc"]],
    ["AB", ["<unk>"]],
    ["abcd", ["ab", "cd"]],
    ["abcc", ["abc", "c"]],
    ["xabcabaabcdd", ["<unk>", "abc", "ab", "a", "ab", "cd", "<unk>"]],
    ["xyz東京", ["<unk>"]],
    ["ABC", ["ABC"]],
    ["abABCcd", ["ab", "ABC", "cd"]],
    ["ababcdabcdcd", ["ab", "abcdabcd", "cd"]],
    ["abqrcd", ["ab", "q", "r", "cd"]],
  ];
  const id = new Map(pieces.map(([p], i) => [p, i]));
  for (const [text, want] of cases)
    assert.deepEqual(
      tok.contentIds(text),
      want.map((p) => id.get(p)),
      text,
    );
});
