/**
 * PromptTokenizer.fromFolder on diffusers-style tokenizer folders written to a temp dir: CLIP with
 * and without tokenizer.json (FLUX.1's tokenizer/ has only vocab.json + merges.txt), T5 from
 * tokenizer.json or from spiece.model alone, and the typed errors for missing or broken files.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ProtoMessage } from "../../src/onnx/protobuf.js";
import { PromptTokenizer, TokenizerFilesError, TokenizerFormatError } from "../../src/text/index.js";
import { demoClipTokenizerFiles, demoT5TokenizerFiles } from "../../src/demo/tokenizers.js";
import { longPrompt, tempFolder } from "./helpers.js";

const PROMPTS = ["make her hair dark green", "Turn the sky into a sunset, it's 2024!", "", longPrompt(90), "😊 café"];

/** A sentencepiece ModelProto (Unigram) holding the given pieces; type 3 = CONTROL, 2 = UNKNOWN. */
function spieceModel(
  pieces: readonly (readonly [string, number])[],
  opts: { unkId?: number; modelType?: number; charsmap?: Uint8Array } = {},
): Uint8Array {
  const m = new ProtoMessage();
  pieces.forEach(([piece, score], id) => {
    const p = new ProtoMessage().string(1, piece).float(2, score);
    if (id <= 1) p.varint(3, 3);
    else if (id === (opts.unkId ?? 2)) p.varint(3, 2);
    m.message(1, p);
  });
  const trainer = new ProtoMessage()
    .string(1, "corpus.txt")
    .varint(3, opts.modelType ?? 1)
    .varint(4, pieces.length)
    .varint(40, opts.unkId ?? 2)
    .varint(41, -1)
    .varint(42, 1)
    .varint(43, 0);
  m.message(2, trainer);
  const norm = new ProtoMessage().string(1, "nmt_nfkc");
  if (opts.charsmap) norm.bytes(2, opts.charsmap);
  m.message(3, norm);
  return m.toBytes();
}

async function idsFrom(files: Record<string, string | Uint8Array>, kind: "clip" | "t5", maxLength: number): Promise<number[][]> {
  const { dir, cleanup } = await tempFolder(files);
  try {
    const tok = await PromptTokenizer.fromFolder(dir, kind, maxLength);
    return PROMPTS.map((p) => tok.encode(p).ids);
  } finally {
    await cleanup();
  }
}

describe("CLIP folders", () => {
  test("vocab.json + merges.txt alone (FLUX.1's layout) give the same ids as tokenizer.json", async () => {
    const files = demoClipTokenizerFiles(800);
    const slow = demoClipTokenizerFiles(800, { tokenizerJson: false });
    assert.equal(slow["tokenizer.json"], undefined);
    const fast = await idsFrom(files, "clip", 77);
    assert.deepEqual(await idsFrom(slow, "clip", 77), fast);
    assert.deepEqual(fast[0]?.slice(0, 1), [798]);
    const json = PromptTokenizer.fromJson(JSON.parse(files["tokenizer.json"] as string) as object, "clip", 77);
    assert.deepEqual(
      PROMPTS.map((p) => json.encode(p).ids),
      fast,
    );
  });

  test("the smallest demo vocabulary (514: bytes only, no merges) still tokenizes anything", async () => {
    const files = demoClipTokenizerFiles(514, { tokenizerJson: false });
    assert.equal((files["merges.txt"] as string).trim(), "#version: 0.2");
    const ids = await idsFrom(files, "clip", 77);
    assert.deepEqual(ids[0]?.slice(0, 3), [512, 76, 64]); // BOS, "m", "a" (byte-level order: '!' = 0, 'a' = 64)
    for (const row of ids) assert.equal(row.indexOf(513), row.filter((id) => id !== 513).length);
  });

  test("pad_token from special_tokens_map.json is honoured", async () => {
    const files = demoClipTokenizerFiles(600, { tokenizerJson: false });
    const map = JSON.parse(files["special_tokens_map.json"] as string) as Record<string, unknown>;
    map["pad_token"] = "!";
    const ids = await idsFrom({ ...files, "special_tokens_map.json": JSON.stringify(map) }, "clip", 10);
    assert.deepEqual(ids[2], [598, 599, 0, 0, 0, 0, 0, 0, 0, 0]); // the empty prompt: BOS, EOS, then "!" (id 0)
  });

  test("merges that do not match the vocabulary are a format error naming merges.txt", async () => {
    const files = demoClipTokenizerFiles(600, { tokenizerJson: false });
    const { dir, cleanup } = await tempFolder({ ...files, "merges.txt": "#version: 0.2\nq zz\n" });
    try {
      await assert.rejects(PromptTokenizer.fromFolder(dir, "clip", 77), (e: unknown) => {
        assert.ok(e instanceof TokenizerFormatError);
        assert.match(e.message, /merges\.txt: merge 1 \("q zz"\) uses "zz", which .*vocab\.json lacks/);
        return true;
      });
    } finally {
      await cleanup();
    }
  });
});

describe("T5 folders", () => {
  const files = demoT5TokenizerFiles(300);
  const pieces = (JSON.parse(files["tokenizer.json"] as string) as { model: { vocab: [string, number][] } }).model.vocab;

  test("tokenizer.json folder", async () => {
    const ids = await idsFrom(files, "t5", 512);
    assert.equal(ids[0]?.length, 512);
    assert.deepEqual(ids[2]?.slice(0, 2), [1, 0]);
  });

  test("spiece.model alone (no tokenizer.json) is converted as T5TokenizerFast would", async () => {
    const config = { eos_token: "</s>", pad_token: "<pad>", unk_token: "<unk>", extra_ids: 0 };
    const spm = { "spiece.model": spieceModel(pieces), "tokenizer_config.json": JSON.stringify(config) };
    const fromSpm = await idsFrom(spm, "t5", 512);
    const fromJson = await idsFrom(files, "t5", 512);
    // The demo tokenizer.json adds NFKC/whitespace folding in place of a charsmap; on these prompts it changes nothing.
    assert.deepEqual(fromSpm.slice(0, 4), fromJson.slice(0, 4));
    // Scores are float32 in the protobuf; the segmentation does not depend on that rounding here.
    const { dir, cleanup } = await tempFolder(spm);
    try {
      const tok = await PromptTokenizer.fromFolder(dir, "t5", 16);
      assert.equal(tok.vocabSize, 300);
      assert.deepEqual(tok.specialIds, { eos: 1, pad: 0 });
    } finally {
      await cleanup();
    }
  });

  test("spiece.model without tokenizer_config.json gets T5's 100 extra ids after the pieces", async () => {
    const { dir, cleanup } = await tempFolder({ "spiece.model": spieceModel(pieces, { charsmap: new Uint8Array([1, 2, 3]) }) });
    try {
      const tok = await PromptTokenizer.fromFolder(dir, "t5", 512);
      assert.equal(tok.vocabSize, 400);
      assert.deepEqual(tok.contentIds("<extra_id_0> make"), [399, ...tok.contentIds("make")]);
    } finally {
      await cleanup();
    }
  });

  test("a BPE sentencepiece model is refused with a hint to use tokenizer.json", async () => {
    const { dir, cleanup } = await tempFolder({ "spiece.model": spieceModel(pieces, { modelType: 2 }) });
    try {
      await assert.rejects(
        PromptTokenizer.fromFolder(dir, "t5", 512),
        /spiece\.model: is a sentencepiece model of type BPE.*tokenizer\.json/,
      );
    } finally {
      await cleanup();
    }
  });

  test("a file that is not a sentencepiece model is a format error", async () => {
    const { dir, cleanup } = await tempFolder({ "spiece.model": new Uint8Array([0x0a, 0xff, 0xff, 0x7f, 1, 2]) });
    try {
      await assert.rejects(PromptTokenizer.fromFolder(dir, "t5", 512), TokenizerFormatError);
    } finally {
      await cleanup();
    }
  });
});

describe("missing and broken files", () => {
  test("an empty folder names the folder and every file looked for", async () => {
    const { dir, cleanup } = await tempFolder({ "tokenizer_config.json": "{}" });
    try {
      for (const [kind, wanted] of [
        ["clip", /tokenizer\.json, or vocab\.json \+ merges\.txt/],
        ["t5", /tokenizer\.json, or spiece\.model/],
      ] as const) {
        await assert.rejects(PromptTokenizer.fromFolder(dir, kind, 77), (e: unknown) => {
          assert.ok(e instanceof TokenizerFilesError);
          assert.equal(e.dir, dir);
          assert.ok(e.message.startsWith(dir));
          assert.match(e.message, wanted);
          return true;
        });
      }
    } finally {
      await cleanup();
    }
  });

  test("a folder that does not exist, and half of CLIP's pair", async () => {
    await assert.rejects(
      PromptTokenizer.fromFolder("/nonexistent/flux/tokenizer", "clip", 77),
      /\/nonexistent\/flux\/tokenizer: the folder does not exist/,
    );
    const { dir, cleanup } = await tempFolder({ "vocab.json": "{}" });
    try {
      await assert.rejects(PromptTokenizer.fromFolder(dir, "clip", 77), /has vocab\.json but no merges\.txt/);
    } finally {
      await cleanup();
    }
  });

  test("invalid JSON and tokenizers of the wrong kind are format errors", async () => {
    const { dir, cleanup } = await tempFolder({ "tokenizer.json": "{not json" });
    try {
      await assert.rejects(PromptTokenizer.fromFolder(dir, "clip", 77), /tokenizer\.json: is not valid JSON/);
    } finally {
      await cleanup();
    }
    const t5 = JSON.parse(demoT5TokenizerFiles(128)["tokenizer.json"] as string) as object;
    assert.throws(
      () => PromptTokenizer.fromJson(t5, "clip", 77),
      /EOS token "<\|endoftext\|>" is not in the vocabulary: pass its id in specialIds/,
    );
    const clip = JSON.parse(demoClipTokenizerFiles(600)["tokenizer.json"] as string) as object;
    assert.throws(
      () => PromptTokenizer.fromJson(clip, "t5", 512, { eos: 599, pad: 0 }),
      /post-processor wraps text in \[598, 599\].*T5 prompt/,
    );
  });
});
