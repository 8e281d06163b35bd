/** The demo tokenizer files: transformers' file formats, FLUX's special-token layout, size limits. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { DEMO_CLIP_MIN_VOCAB, DEMO_T5_MIN_VOCAB, demoClipTokenizerFiles, demoT5TokenizerFiles } from "../../src/demo/tokenizers.js";

describe("demo CLIP files", () => {
  const files = demoClipTokenizerFiles(1000);
  const vocab = JSON.parse(files["vocab.json"] as string) as Record<string, number>;

  test("the file set of a CLIPTokenizer folder, plus tokenizer.json", () => {
    assert.deepEqual(Object.keys(files).sort(), [
      "merges.txt",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "vocab.json",
    ]);
  });

  test("CLIP's id layout: byte alphabet, its </w> forms, merges, then BOS and EOS last", () => {
    assert.equal(Object.keys(vocab).length, 1000);
    assert.deepEqual(new Set(Object.values(vocab)).size, 1000);
    // As in openai/clip-vit-large-patch14: "!" 0, "a" 64, "a</w>" 320 (= 256 + 64), "ā"... for byte 0 at 188.
    assert.equal(vocab["!"], 0);
    assert.equal(vocab["a"], 64);
    assert.equal(vocab["a</w>"], 320);
    assert.equal(vocab["\u0100"], 188);
    assert.equal(vocab["<|startoftext|>"], 998);
    assert.equal(vocab["<|endoftext|>"], 999);
    const merges = (files["merges.txt"] as string).split("\n");
    assert.equal(merges[0], "#version: 0.2");
    const pairs = merges.slice(1).filter((l) => l !== "");
    assert.equal(pairs.length, 1000 - 514);
    pairs.forEach((line, rank) => {
      const [a, b] = line.split(" ") as [string, string];
      assert.equal(vocab[a + b], 512 + rank, line);
      assert.ok((vocab[a] as number) < 512 + rank && (vocab[b] as number) < 512 + rank, line);
    });
  });

  test("vocab.json is written like transformers (sorted keys, two-space indent); tokenizer.json keeps id order", () => {
    const lines = (files["vocab.json"] as string).split("\n");
    assert.equal(lines[0], "{");
    assert.equal(lines[1], '  "!": 0,');
    const keys = lines
      .slice(1, -2)
      .map((l) => JSON.parse(`{${l.replace(/,$/, "")}}`) as Record<string, number>)
      .map((o) => Object.keys(o)[0] as string);
    assert.deepEqual(keys, [...keys].sort());
    const json = files["tokenizer.json"] as string;
    assert.ok(json.indexOf('"!": 0') < json.indexOf('"0": 15'), "vocab in id order, digits not moved first");
  });

  test("tokenizer_config.json and special_tokens_map.json as FLUX.1 ships them, with the demo ids", () => {
    const config = JSON.parse(files["tokenizer_config.json"] as string) as Record<string, unknown>;
    assert.equal(config["tokenizer_class"], "CLIPTokenizer");
    assert.equal(config["model_max_length"], 77);
    assert.equal(config["pad_token"], "<|endoftext|>");
    assert.deepEqual(Object.keys(config["added_tokens_decoder"] as object), ["998", "999"]);
    const map = JSON.parse(files["special_tokens_map.json"] as string) as Record<string, { content: string }>;
    assert.equal(map["pad_token"]?.content, "<|endoftext|>");
    assert.equal(map["bos_token"]?.content, "<|startoftext|>");
  });

  test("sizes: at least 514 (bytes + BOS + EOS), deterministic, tokenizer.json optional", () => {
    assert.throws(() => demoClipTokenizerFiles(DEMO_CLIP_MIN_VOCAB - 1), InvalidArgumentError);
    assert.throws(() => demoClipTokenizerFiles(1e6), /514 <= vocabSize <= \d+/);
    assert.deepEqual(demoClipTokenizerFiles(1000), files);
    const slow = demoClipTokenizerFiles(700, { tokenizerJson: false });
    assert.deepEqual(Object.keys(slow).sort(), ["merges.txt", "special_tokens_map.json", "tokenizer_config.json", "vocab.json"]);
  });
});

describe("demo T5 files", () => {
  const files = demoT5TokenizerFiles(128);
  const json = JSON.parse(files["tokenizer.json"] as string) as {
    model: { type: string; unk_id: number; vocab: [string, number][] };
    post_processor: { type: string };
  };

  test("T5TokenizerFast's files and layout: <pad> 0, </s> 1, <unk> 2, then pieces by descending score", () => {
    assert.deepEqual(Object.keys(files).sort(), ["special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"]);
    assert.equal(json.model.type, "Unigram");
    assert.equal(json.model.unk_id, 2);
    const v = json.model.vocab;
    assert.equal(v.length, 128);
    assert.deepEqual(
      v.slice(0, 4).map(([p]) => p),
      ["<pad>", "</s>", "<unk>", "\u2581"],
    );
    for (let i = 4; i < v.length; i++) assert.ok((v[i - 1] as [string, number])[1] >= (v[i] as [string, number])[1]);
    const pieces = new Set(v.map(([p]) => p));
    for (let c = 0x21; c <= 0x7e; c++) assert.ok(pieces.has(String.fromCharCode(c)), String.fromCharCode(c));
    assert.equal(json.post_processor.type, "TemplateProcessing");
  });

  test("tokenizer_config.json: T5Tokenizer, 512, no extra ids", () => {
    const config = JSON.parse(files["tokenizer_config.json"] as string) as Record<string, unknown>;
    assert.equal(config["tokenizer_class"], "T5Tokenizer");
    assert.equal(config["model_max_length"], 512);
    assert.equal(config["extra_ids"], 0);
    assert.equal(config["pad_token"], "<pad>");
  });

  test("sizes: at least 98 pieces", () => {
    assert.throws(() => demoT5TokenizerFiles(DEMO_T5_MIN_VOCAB - 1), InvalidArgumentError);
    assert.equal((JSON.parse(demoT5TokenizerFiles(DEMO_T5_MIN_VOCAB)["tokenizer.json"] as string) as typeof json).model.vocab.length, 98);
    assert.throws(() => demoT5TokenizerFiles(1e6), /98 <= vocabSize <= \d+/);
  });
});
