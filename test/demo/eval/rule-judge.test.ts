import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { encodeImage, resizeImage, type RgbImage } from "../../../src/image/index.js";
import { RuleJudgeError, InstructionGrammarError } from "../../../src/demo/eval/errors.js";
import { ShapesRuleJudge } from "../../../src/demo/eval/rule-judge.js";
import { FIXTURES } from "./fixtures.js";

const png = (image: RgbImage) => encodeImage(image, "png");

async function judged(instruction: string, original: RgbImage, image1: RgbImage, image2: RgbImage) {
  return new ShapesRuleJudge().compare({
    instruction,
    original: await png(original),
    image1: await png(image1),
    image2: await png(image2),
  });
}

describe("ShapesRuleJudge", () => {
  for (const f of FIXTURES) {
    describe(f.kind, () => {
      for (const [name, other] of [
        ["a no-op", f.noop],
        ["a wrong colour", f.wrongColour],
        ["damage outside", f.damaged],
      ] as const) {
        it(`prefers the correct edit to ${name}, in both orders`, async () => {
          const first = await judged(f.instruction, f.source, f.correct, other);
          assert.equal(first.choice, 1, first.raw);
          const second = await judged(f.instruction, f.source, other, f.correct);
          assert.equal(second.choice, 2, second.raw);
          assert.equal(second.retried, false);
        });
      }
    });
  }

  it("resizes previews of another size to the original's", async () => {
    const f = FIXTURES[1];
    assert.ok(f);
    const verdict = await judged(f.instruction, f.source, await resizeImage(f.noop, 128, 128), await resizeImage(f.correct, 128, 128));
    assert.equal(verdict.choice, 2, verdict.raw);
  });

  it("still prefers the correct edit when both previews are blurred (early previews are soft)", async () => {
    const blurred = async (image: RgbImage) => resizeImage(await resizeImage(image, 24, 24, "cubic"), 96, 96, "cubic");
    for (const f of FIXTURES) {
      const verdict = await judged(f.instruction, f.source, await blurred(f.noop), await blurred(f.correct));
      assert.equal(verdict.choice, 2, `${f.kind}: ${verdict.raw}`);
    }
  });

  it("calls two identical candidates a tie", async () => {
    const f = FIXTURES[0];
    assert.ok(f);
    const verdict = await judged(f.instruction, f.source, f.correct, f.correct);
    assert.equal(verdict.choice, null);
  });

  it("refuses instructions outside the grammar, and shapes the source does not show", async () => {
    const f = FIXTURES[0];
    assert.ok(f);
    await assert.rejects(judged("make it pop", f.source, f.correct, f.noop), InstructionGrammarError);
    await assert.rejects(judged("remove the green circle", f.source, f.correct, f.noop), RuleJudgeError);
  });

  it("records itself as the rule judge", () => {
    assert.deepEqual(new ShapesRuleJudge().identity, { kind: "rule", url: "in-process", model: "shapes" });
  });
});
