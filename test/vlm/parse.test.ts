import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseChoice, pairwisePrompt, STRICT_REMINDER } from "../../src/vlm/index.js";

const TABLE: readonly (readonly [string, 1 | 2 | null])[] = [
  ["1", 1],
  ["2", 2],
  [" 2\n", 2],
  ["Image 2", 2],
  ["image 1.", 1],
  ["**2**", 2],
  ["**Image 1**", 1],
  ['"2"', 2],
  ["(1)", 1],
  ["Image #2", 2],
  ["### Answer: 2", 2],
  ["Answer: 1\nReason: it keeps the dog.", 1],
  ["2. Because the sky is green and the house is kept.", 2],
  ["1 - the hat is there and nothing else changed", 1],
  ["The second image follows the instruction and keeps the background.", 2],
  ["The second.", 2],
  ["The first one is sharper.", 1],
  ["I choose image 1 because image 2 has artifacts.", 1],
  ["I would pick the first one.", 1],
  ["After comparing both, the better one is image 2.", 2],
  ["Image 1 is better than image 2.", 1],
  ["Edited image 1 follows the instruction better.", 1],
  ["I think image two is clearly better.", 2],
  ["The first image adds a hat, but the second image is clearly better.", 2],
  ["At first glance, image 2 looks better.", 2],
  ["Both are fine but I prefer image 1", 1],
  ["Image 2 looks good.", 2],
  // neither or both: a tie
  ["Neither", null],
  ["Both images are equally good.", null],
  ["1 or 2", null],
  ["Image 1 and image 2 both fail the instruction.", null],
  ["image 1 & 2 are similar", null],
  ["I cannot decide.", null],
  ["", null],
  ["The image is 1024 pixels wide", null],
  ["I choose image 1. Image 2 is better.", null],
];

describe("judge answer parsing", () => {
  for (const [answer, expected] of TABLE) {
    it(`${JSON.stringify(answer)} -> ${expected}`, () => assert.equal(parseChoice(answer), expected));
  }
});

describe("pairwise prompt", () => {
  it("names the three images in order, the instruction and the criteria, and asks for 1 or 2", () => {
    const prompt = pairwisePrompt("  add a red hat ");
    assert.ok(prompt.includes('"add a red hat"'));
    const first = prompt.indexOf("edited image 1");
    const second = prompt.indexOf("edited image 2");
    const original = prompt.indexOf("original image");
    assert.ok(first >= 0 && first < second && second < original, "image 1, image 2, then the original");
    for (const word of ["instruction", "artifacts", "identical", "style"]) assert.ok(prompt.includes(word), word);
    assert.match(prompt, /Answer with 1 .* or 2 /);
    assert.equal(STRICT_REMINDER, "Answer with exactly one character: 1 or 2.");
  });
});
