/** The VLM score: the two questions with their images, O = sqrt(min SC x min PQ), one reminder, unusable answers kept. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRatings, vlmScore } from "../../src/eval/vlm/vlm-score.js";
import type { ChatTurn } from "../../src/vlm/judge.js";

const SOURCE = new Uint8Array([1]);
const EDITED = new Uint8Array([2]);

function scripted(answers: string[]): { ask: (turns: readonly ChatTurn[]) => Promise<string>; asked: (readonly ChatTurn[])[] } {
  const asked: (readonly ChatTurn[])[] = [];
  return {
    asked,
    ask: async (turns) => {
      asked.push(turns);
      return answers.shift() ?? "";
    },
  };
}

describe("vlmScore", () => {
  it("asks SC with the source and the edit, PQ with the edit alone; O = sqrt(min SC * min PQ)", async () => {
    const judge = scripted(['{"scores": [8, 6], "reason": "ok"}', 'Sure: {"scores": ["9", 7], "reason": "clean"}']);
    const result = await vlmScore(judge.ask, { source: SOURCE, edited: EDITED, instruction: "make it red" });
    assert.deepEqual(result.score, { sc: [8, 6], pq: [9, 7], overall: Math.sqrt(6 * 7) });
    assert.equal(judge.asked.length, 2);
    assert.deepEqual(judge.asked[0]?.[0]?.images, [SOURCE, EDITED]);
    assert.match(judge.asked[0]?.[0]?.text ?? "", /"make it red"/);
    assert.deepEqual(judge.asked[1]?.[0]?.images, [EDITED]);
  });

  it("asks once more with a reminder; two unusable answers give null and keep the answers", async () => {
    const judge = scripted(["I think it is fine.", '{"scores": [10, 10]}', "no idea", "still none", '{"scores": [5, 5]}']);
    const result = await vlmScore(judge.ask, { source: SOURCE, edited: EDITED, instruction: "x" });
    assert.equal(result.score, null);
    assert.deepEqual(result.raw, ["I think it is fine.", '{"scores": [10, 10]}', "no idea", "still none"]);
    assert.equal(judge.asked[1]?.length, 3, "question, its answer, the reminder");
  });

  it("parses two ratings in 0-10 only", () => {
    assert.deepEqual(parseRatings('{"scores": [0, 10]}'), [0, 10]);
    assert.equal(parseRatings('{"scores": [11, 3]}'), null);
    assert.equal(parseRatings('{"scores": [3]}'), null);
    assert.equal(parseRatings('{"score": [3, 4]}'), null);
    assert.equal(parseRatings("7 and 8"), null);
  });
});
