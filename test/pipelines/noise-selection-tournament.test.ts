import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { candidateSeeds, earlyStepsFor, runTournament, selectionCost } from "../../src/pipelines/noise-selection/index.js";
import { CancelledError } from "../../src/pipelines/fill/errors.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { JudgeTimeoutError } from "../../src/vlm/index.js";
import { scripted } from "./selection-helpers.js";

/** A judge that answers from a script (an Error is thrown at its turn) and throws once it runs out. */
const scriptedJudge = (choices: readonly (1 | 2 | null | Error)[]) => scripted(choices, { whenOut: "throw" });

const image = (i: number): Uint8Array => new Uint8Array([i]);

describe("noise selection: the running-maximum tournament", () => {
  const seeds = [10, 11, 12, 13];
  const images = seeds.map((_, i) => image(i));
  const original = new Uint8Array([99]);

  it("meets each challenger in order, incumbent as image 1; 2 replaces it, 1 and a tie keep it", async () => {
    const judge = scriptedJudge([2, null, 1]);
    const events: string[] = [];
    const result = await runTournament({
      seeds,
      images,
      original,
      instruction: "add a hat",
      judge,
      onComparison: (c, done, total) => events.push(`${done}/${total}:${c.a}v${c.b}=${c.choice}`),
    });
    assert.equal(result.winner, 1, "seed 11 won");
    assert.deepEqual(
      result.comparisons.map((c) => [c.a, c.b, c.choice]),
      [
        [10, 11, 2],
        [11, 12, null],
        [11, 13, 1],
      ],
    );
    assert.deepEqual(events, ["1/3:10v11=2", "2/3:11v12=null", "3/3:11v13=1"]);
    assert.deepEqual(
      judge.seen.map((r) => [r.image1[0], r.image2[0], r.original[0], r.instruction]),
      [
        [0, 1, 99, "add a hat"],
        [1, 2, 99, "add a hat"],
        [1, 3, 99, "add a hat"],
      ],
    );
  });

  it("makes M - 1 comparisons; the last candidate can win; one candidate needs no judge", async () => {
    const last = await runTournament({ seeds, images, original, instruction: "x", judge: scriptedJudge([2, 2, 2]) });
    assert.equal(last.winner, 3);
    assert.equal(last.comparisons.length, 3);
    const ties = await runTournament({ seeds, images, original, instruction: "x", judge: scriptedJudge([null, null, null]) });
    assert.equal(ties.winner, 0, "ties keep the first candidate");
    const judge = scriptedJudge([]);
    const single = await runTournament({ seeds: [5], images: [image(0)], original, instruction: "x", judge });
    assert.equal(single.winner, 0);
    assert.deepEqual(single.comparisons, []);
    assert.equal(judge.seen.length, 0);
  });

  it("a judge error fails the tournament, or under the fallback ends it with the incumbent", async () => {
    const failure = new JudgeTimeoutError("http://judge", 100);
    await assert.rejects(
      runTournament({ seeds, images, original, instruction: "x", judge: scriptedJudge([2, failure]) }),
      JudgeTimeoutError,
    );
    const judge = scriptedJudge([2, failure, 2]);
    const tolerated = await runTournament({ seeds, images, original, instruction: "x", judge, tolerateJudgeErrors: true });
    assert.equal(tolerated.winner, 1);
    assert.equal(judge.seen.length, 2, "no more questions after the error");
    assert.equal(tolerated.comparisons.length, 2);
    assert.equal(tolerated.comparisons[1]!.choice, null);
    assert.match(tolerated.comparisons[1]!.raw, /^error: .*did not answer/);
    assert.match(tolerated.judgeError ?? "", /comparison 2 of 3 failed/);
  });

  it("stops between comparisons when cancelled", async () => {
    const controller = new AbortController();
    const judge = scriptedJudge([1, 1, 1]);
    await assert.rejects(
      runTournament({
        seeds,
        images,
        original,
        instruction: "x",
        judge,
        signal: controller.signal,
        onComparison: () => controller.abort(),
      }),
      CancelledError,
    );
    assert.equal(judge.seen.length, 1);
  });
});

describe("noise selection: seeds, early steps and cost", () => {
  it("derives seeds s, s+1, ... from a base seed, or takes them as given", () => {
    assert.deepEqual(candidateSeeds({ seed: 42, candidates: 3 }), [42, 43, 44]);
    assert.throws(() => candidateSeeds({}), InvalidArgumentError, "no defaults in the pipeline: the library's edit entry gives them");
    assert.throws(() => candidateSeeds({ seed: 42 }), InvalidArgumentError);
    assert.deepEqual(candidateSeeds({ seeds: [7, 3, 9] }), [7, 3, 9]);
    assert.throws(() => candidateSeeds({ seeds: [7, 7] }), InvalidArgumentError);
    assert.throws(() => candidateSeeds({ seeds: [1, 2], candidates: 3 }), InvalidArgumentError);
    assert.throws(() => candidateSeeds({ seeds: [] }), InvalidArgumentError);
    assert.throws(() => candidateSeeds({ seed: 42, candidates: 0 }), InvalidArgumentError);
    assert.throws(() => candidateSeeds({ seed: -1, candidates: 2 }), InvalidArgumentError);
  });

  it("caps the early steps at n - 1 and counts M*m + (n - m) evaluations", () => {
    assert.equal(earlyStepsFor(10, 28), 10);
    assert.equal(earlyStepsFor(10, 4), 3);
    assert.equal(earlyStepsFor(2, 4), 2);
    assert.throws(() => earlyStepsFor(1, 1), InvalidArgumentError);
    assert.throws(() => earlyStepsFor(0, 10), InvalidArgumentError);
    assert.equal(selectionCost(6, 10, 28), 78);
    assert.equal(selectionCost(6, 10, 50), 110 - 10, "the paper's 6 x 10 of 50 minus the winner's recomputed early steps");
  });
});
