/**
 * PromptTokenizer on the demo tokenizers: the FLUX layouts (CLIP [BOS] text [EOS] EOS..., T5 text
 * [EOS] 0 0 ...), truncation, unicode, batches; content ids checked against independent reference
 * implementations of CLIP's BPE and of Unigram segmentation.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { PromptTokenizer, idsTensor } from "../../src/text/index.js";
import { demoClipTokenizerFiles, demoT5TokenizerFiles } from "../../src/demo/tokenizers.js";
import { longPrompt, referenceClipIds, referenceUnigramIds } from "./helpers.js";

const PROMPTS = [
  "make her hair dark green",
  "A diptych with two side-by-side images of the same scene. On the right, the scene is exactly the same as on the left but make her hair dark green",
  "Turn the sky   into a sunset!!  It's 2024, isn't it? $5.99 & 100% \"quoted\"",
  "naïve café Über façade — 東京 😊👍 emoji",
  "tabs\tand\nnewlines\r\nhere",
];

interface ClipFiles {
  vocab: Record<string, number>;
  merges: string[];
}

function clipParts(files: Record<string, string>): ClipFiles {
  const vocab = JSON.parse(files["vocab.json"] as string) as Record<string, number>;
  const merges = (files["merges.txt"] as string)
    .split("\n")
    .slice(1)
    .filter((l) => l !== "");
  return { vocab, merges };
}

describe("CLIP (demo, vocab 1000)", () => {
  const files = demoClipTokenizerFiles(1000);
  const tok = PromptTokenizer.fromJson(JSON.parse(files["tokenizer.json"] as string) as object, "clip", 77);
  const { vocab, merges } = clipParts(files);
  const BOS = 998;
  const EOS = 999;

  test("special ids: BOS and EOS are the two last ids, EOS the largest, padding repeats EOS", () => {
    assert.equal(tok.vocabSize, 1000);
    assert.deepEqual(tok.specialIds, { bos: BOS, eos: EOS, pad: EOS });
    assert.equal(Math.max(...Object.values(vocab)), EOS);
  });

  test("make her hair dark green -> [BOS, content, EOS, EOS...] of length 77", () => {
    const r = tok.encode("make her hair dark green");
    const content = referenceClipIds("make her hair dark green", vocab, merges);
    assert.equal(r.ids.length, 77);
    assert.deepEqual(r.ids, [BOS, ...content, ...Array<number>(76 - content.length).fill(EOS)]);
    assert.equal(r.contentTokens, content.length);
    assert.equal(r.truncatedTokens, 0);
    // The pooling rule (argmax of ids, first maximum) lands on the first EOS.
    assert.equal(r.ids.indexOf(Math.max(...r.ids)), content.length + 1);
  });

  test("content ids equal an independent CLIP BPE, unicode and emoji included, with no unknown token", () => {
    for (const p of PROMPTS) {
      const content = referenceClipIds(p, vocab, merges);
      assert.deepEqual(tok.contentIds(p), content, p);
      assert.ok(!content.includes(EOS), `${p}: the unknown token (= EOS) appeared`);
    }
  });

  test("a long prompt keeps BOS and EOS and reports the cut", () => {
    const text = longPrompt(120);
    const content = referenceClipIds(text, vocab, merges);
    const r = tok.encode(text);
    assert.equal(r.ids.length, 77);
    assert.deepEqual(r.ids, [BOS, ...content.slice(0, 75), EOS]);
    assert.equal(r.contentTokens, content.length);
    assert.equal(r.truncatedTokens, content.length - 75);
  });

  test("exactly 75 content tokens fit without a cut; 76 cut one", () => {
    const one = tok.contentIds("a");
    assert.equal(one.length, 1);
    const fit = tok.encode(Array(75).fill("a").join(" "));
    assert.equal(fit.truncatedTokens, 0);
    assert.deepEqual(fit.ids, [BOS, ...Array<number>(75).fill(one[0] as number), EOS]);
    assert.equal(tok.encode(Array(76).fill("a").join(" ")).truncatedTokens, 1);
  });

  test("an empty or blank instruction is BOS EOS and padding", () => {
    for (const text of ["", "   \n\t"]) {
      const r = tok.encode(text);
      assert.deepEqual(r.ids, [BOS, ...Array<number>(76).fill(EOS)]);
      assert.equal(r.contentTokens, 0);
      assert.equal(r.truncatedTokens, 0);
    }
  });

  test("encodeBatch and idsTensor give the int64 [B, 77] input", () => {
    const batch = tok.encodeBatch(["make her hair dark green", ""]);
    assert.deepEqual(batch[0], tok.encode("make her hair dark green"));
    const t = idsTensor(batch);
    assert.equal(t.dtype, "i64");
    assert.deepEqual(t.dims, [2, 77]);
    assert.equal(t.data[0], BigInt(BOS));
    assert.equal(t.data[77], BigInt(BOS));
    assert.equal(t.data[78], BigInt(EOS));
  });

  test("a shorter maxLength still keeps BOS and EOS; maxLength below 2 is refused", () => {
    const short = PromptTokenizer.fromJson(JSON.parse(files["tokenizer.json"] as string) as object, "clip", 4);
    const r = short.encode("make her hair dark green");
    assert.equal(r.ids.length, 4);
    assert.equal(r.ids[0], BOS);
    assert.equal(r.ids[3], EOS);
    assert.equal(r.truncatedTokens, r.contentTokens - 2);
    assert.throws(() => PromptTokenizer.fromJson({}, "clip", 1), InvalidArgumentError);
    assert.throws(() => PromptTokenizer.fromJson({}, "clip", 7.5), InvalidArgumentError);
  });
});

describe("T5 (demo, vocab 128 and 1000)", () => {
  for (const size of [128, 1000]) {
    const files = demoT5TokenizerFiles(size);
    const json = JSON.parse(files["tokenizer.json"] as string) as { model: { vocab: [string, number][] } };
    const pieces = json.model.vocab;
    const tok = PromptTokenizer.fromJson(json, "t5", 512);
    const ref = (text: string): number[] => referenceUnigramIds(text, pieces, 2, new Set([0, 1, 2]));

    test(`[${size}] special ids: pad 0, eos 1, unk 2; no BOS`, () => {
      assert.equal(tok.vocabSize, size);
      assert.deepEqual(tok.specialIds, { eos: 1, pad: 0 });
      assert.deepEqual(
        pieces.slice(0, 3).map(([p]) => p),
        ["<pad>", "</s>", "<unk>"],
      );
    });

    test(`[${size}] make her hair dark green -> [..., 1, 0, 0, ...] of length 512`, () => {
      const r = tok.encode("make her hair dark green");
      const content = ref("make her hair dark green");
      assert.equal(r.ids.length, 512);
      assert.deepEqual(r.ids, [...content, 1, ...Array<number>(511 - content.length).fill(0)]);
      assert.ok(!content.includes(2), "English text needs no unknown token");
      assert.equal(r.truncatedTokens, 0);
    });

    test(`[${size}] content ids equal an independent Unigram Viterbi; emoji and CJK become <unk>`, () => {
      for (const p of PROMPTS) assert.deepEqual(tok.contentIds(p), ref(p), p);
      const emoji = tok.contentIds("green 😊 hair");
      assert.ok(emoji.includes(2));
    });

    test(`[${size}] a 600-word prompt is cut to 511 content tokens and keeps EOS last`, () => {
      const text = longPrompt(600);
      const r = tok.encode(text);
      assert.equal(r.ids.length, 512);
      assert.ok(r.truncatedTokens > 0);
      assert.equal(r.truncatedTokens, r.contentTokens - 511);
      assert.equal(r.ids[511], 1);
      assert.ok(!r.ids.includes(0), "no padding when the text overflows");
      assert.deepEqual(r.ids.slice(0, 511), ref(text).slice(0, 511));
    });

    test(`[${size}] empty instruction is [1, 0, 0, ...]`, () => {
      const r = tok.encode("");
      assert.deepEqual(r.ids, [1, ...Array<number>(511).fill(0)]);
      assert.equal(r.contentTokens, 0);
    });
  }

  test("encode(text, N) pads or cuts to N ids per call (the edit's maxTextTokens), EOS kept; N >= 1", () => {
    const json = JSON.parse(demoT5TokenizerFiles(128)["tokenizer.json"] as string) as { model: { vocab: [string, number][] } };
    const tok = PromptTokenizer.fromJson(json, "t5", 512);
    const text = "make her hair dark green";
    const content = referenceUnigramIds(text, json.model.vocab, 2, new Set([0, 1, 2]));
    for (const n of [128, 256]) {
      const r = tok.encode(text, n);
      assert.deepEqual(r.ids, [...content, 1, ...Array<number>(n - 1 - content.length).fill(0)]);
    }
    const cut = tok.encode(text, 3);
    assert.deepEqual(cut.ids, [...content.slice(0, 2), 1]);
    assert.equal(cut.truncatedTokens, content.length - 2);
    assert.equal(tok.encode(text).ids.length, 512, "the tokenizer's own length by default");
    assert.throws(() => tok.encode(text, 0), InvalidArgumentError);
  });

  test("maxLength is configurable (128 for BFL's Fill scripts) and must be >= 1", () => {
    const json = JSON.parse(demoT5TokenizerFiles(128)["tokenizer.json"] as string) as object;
    const tok = PromptTokenizer.fromJson(json, "t5", 128);
    assert.equal(tok.encode("make her hair dark green").ids.length, 128);
    assert.equal(PromptTokenizer.fromJson(json, "t5", 1).encode("green").ids.join(), "1");
    assert.throws(() => PromptTokenizer.fromJson(json, "t5", 0), InvalidArgumentError);
  });
});
