/**
 * The demo model's tokenizers hold every word of the shapes world and of the in-context prompt as
 * one token: the folders make-demo-model writes (DEMO_CLIP's and DEMO_T5's vocabulary sizes),
 * loaded by the real PromptTokenizer, give each word exactly one content id, never the unknown one.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promptWordsAsWritten, worldLetterWords, worldWords } from "../../src/demo/corpus.js";
import { DEMO_CLIP, DEMO_T5 } from "../../src/demo/make-demo-model.js";
import { SCENE_VOCABULARY } from "../../src/demo/scenes/index.js";
import { demoClipTokenizerFiles, demoT5TokenizerFiles, type TokenizerFiles } from "../../src/demo/tokenizers.js";
import { IC_PROMPT_PREFIX } from "../../src/pipelines/icedit/prompt.js";
import { PromptTokenizer } from "../../src/text/index.js";

async function folderOf(files: TokenizerFiles): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-world-tok-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe("the demo tokenizers cover the world's words", async () => {
  const clipDir = await folderOf(demoClipTokenizerFiles(DEMO_CLIP.vocabSize, { tokenizerJson: false }));
  const t5Dir = await folderOf(demoT5TokenizerFiles(DEMO_T5.vocabSize));
  const clip = await PromptTokenizer.fromFolder(clipDir, "clip", 77);
  const t5 = await PromptTokenizer.fromFolder(t5Dir, "t5", 512);
  const T5_UNK = 2;

  test("the world's words: the scenes' vocabulary and the prompt's words", () => {
    const words = worldWords();
    for (const w of SCENE_VOCABULARY) assert.ok(words.includes(w), w);
    for (const w of ["diptych", "side-by-side", "images", "scene", "exactly", "but", "right", "left"]) assert.ok(words.includes(w), w);
    assert.ok(!words.some((w) => /[A-Z.,]/.test(w)), "lower case, no sentence punctuation");
  });

  test("CLIP: every letter word is one token, below EOS (CLIP's unknown token)", () => {
    for (const word of worldLetterWords()) {
      const ids = clip.contentIds(word);
      assert.equal(ids.length, 1, `${word} -> ${ids.join(" ")}`);
      assert.ok((ids[0] as number) < clip.specialIds.eos - 1, `${word} is not a special token`);
      // One letter is its end-of-word byte token (256..511); longer words are merged tokens (512..).
      assert.ok((ids[0] as number) >= (word.length === 1 ? 256 : 512), `${word} is a whole word, not its first byte`);
    }
  });

  test("T5: every world word, side-by-side included, is one piece, never <unk>", () => {
    for (const word of worldWords()) {
      const ids = t5.contentIds(word);
      assert.equal(ids.length, 1, `${word} -> ${ids.join(" ")}`);
      assert.notEqual(ids[0], T5_UNK, word);
    }
  });

  test("T5 keeps case: the prompt's words as written are one piece each", () => {
    for (const word of promptWordsAsWritten()) assert.equal(t5.contentIds(word).length, 1, word);
  });

  test("a whole prompt: one token per word (CLIP adds one per hyphen and punctuation mark)", () => {
    const prompt = `${IC_PROMPT_PREFIX}make the red circle blue`;
    const words = prompt.split(/\s+/);
    assert.equal(t5.encode(prompt).contentTokens, words.length + 2, "the words, and '.' and ','");
    assert.equal(clip.encode(prompt).contentTokens, words.length + 2 * 2 + 2, "side - by - side: four more, '.' and ','");
    assert.equal(clip.encode(prompt).truncatedTokens, 0);
  });

  test("the ids fit the demo encoders' embedding tables", () => {
    const all = [...worldWords(), IC_PROMPT_PREFIX];
    for (const text of all) {
      for (const id of clip.encode(text).ids) assert.ok(id < DEMO_CLIP.vocabSize, text);
      for (const id of t5.encode(text).ids) assert.ok(id < DEMO_T5.vocabSize, text);
    }
  });

  test("cleanup", async () => {
    await rm(clipDir, { recursive: true, force: true });
    await rm(t5Dir, { recursive: true, force: true });
  });
});
