/** The sentencepiece protobuf reader and its conversion to T5TokenizerFast's tokenizer.json. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtoMessage } from "../../src/onnx/protobuf.js";
import { readSentencePieceModel, t5JsonFromSentencePiece } from "../../src/text/sentencepiece.js";
import { TokenizerFormatError } from "../../src/text/index.js";

function model(): Uint8Array {
  const m = new ProtoMessage();
  const pieces: [string, number, number][] = [
    ["<pad>", 0, 3],
    ["</s>", 0, 3],
    ["<unk>", 0, 2],
    ["\u2581", -2.0122, 1],
    ["\u2581the", -3.1, 1],
    ["\u00e9t\u00e9", -9.75, 1],
    ["<sep>", 0, 4],
  ];
  for (const [piece, score, type] of pieces) {
    const p = new ProtoMessage().string(1, piece).float(2, score);
    if (type !== 1) p.varint(3, type);
    m.message(1, p);
  }
  m.message(2, new ProtoMessage().string(1, "c4.txt").varint(3, 1).varint(35, 0).varint(40, 2).varint(43, -1).double(99, 1.5));
  m.message(
    3,
    new ProtoMessage()
      .string(1, "nmt_nfkc")
      .bytes(2, new Uint8Array([0, 1, 254, 255]))
      .varint(3, 1),
  );
  m.message(4, new ProtoMessage().string(1, "self test data is skipped"));
  return m.toBytes();
}

test("pieces, scores (float32), types, trainer and normalizer fields; unknown fields skipped", () => {
  const sp = readSentencePieceModel(model(), "spiece.model");
  assert.deepEqual(
    sp.pieces.map((p) => p.piece),
    ["<pad>", "</s>", "<unk>", "\u2581", "\u2581the", "\u00e9t\u00e9", "<sep>"],
  );
  assert.equal(sp.pieces[3]?.score, Math.fround(-2.0122));
  assert.deepEqual(
    sp.pieces.map((p) => p.type),
    [3, 3, 2, 1, 1, 1, 4],
  );
  assert.equal(sp.modelType, 1);
  assert.equal(sp.unkId, 2);
  assert.equal(sp.byteFallback, false);
  assert.deepEqual([...(sp.precompiledCharsmap ?? [])], [0, 1, 254, 255]);
});

test("conversion: extra ids appended in T5's order, control and user pieces become added tokens", () => {
  const sp = readSentencePieceModel(model(), "spiece.model");
  const json = t5JsonFromSentencePiece(sp, { addedTokens: [], extraIds: 3 }, "spiece.model") as unknown as {
    added_tokens: { id: number; content: string; special: boolean }[];
    normalizer: { normalizers: { type: string; precompiled_charsmap?: string }[] };
    pre_tokenizer: { prepend_scheme: string };
    model: { unk_id: number; vocab: [string, number][] };
  };
  assert.deepEqual(
    json.model.vocab.slice(7).map(([p]) => p),
    ["<extra_id_2>", "<extra_id_1>", "<extra_id_0>"],
  );
  assert.equal(json.model.unk_id, 2);
  assert.deepEqual(
    json.added_tokens.map((t) => [t.id, t.content, t.special]),
    [
      [0, "<pad>", true],
      [1, "</s>", true],
      [2, "<unk>", true],
      [6, "<sep>", false],
      [7, "<extra_id_2>", true],
      [8, "<extra_id_1>", true],
      [9, "<extra_id_0>", true],
    ],
  );
  assert.equal(json.normalizer.normalizers[0]?.precompiled_charsmap, Buffer.from([0, 1, 254, 255]).toString("base64"));
  assert.equal(json.pre_tokenizer.prepend_scheme, "always");
  const nonLegacy = t5JsonFromSentencePiece(sp, { addedTokens: [], legacy: false }, "spiece.model") as unknown as {
    pre_tokenizer: { prepend_scheme: string };
  };
  assert.equal(nonLegacy.pre_tokenizer.prepend_scheme, "first");
});

test("truncated or empty input is a format error naming the file", () => {
  const bytes = model();
  assert.throws(
    () => readSentencePieceModel(bytes.subarray(0, bytes.length - 3), "x/spiece.model"),
    (e: unknown) => {
      assert.ok(e instanceof TokenizerFormatError);
      assert.match(e.message, /^x\/spiece\.model: is not a sentencepiece model/);
      return true;
    },
  );
  assert.throws(() => readSentencePieceModel(new Uint8Array(0), "spiece.model"), /holds no pieces/);
});
