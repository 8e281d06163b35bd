/** IceditSession.edit is the one edit entry: plain or with noise selection, one result type, progress that says where each stage begins. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EditOptions, EditProgress, Judge } from "icedit";
import { useDemoSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";

const INSTRUCTION = "make the sky green";
const W = 64;

/** A judge that always prefers the challenger, so the last candidate wins. */
const challenger: Judge = {
  async probe() {},
  async compare() {
    return { choice: 2, raw: "2", ms: 0, retried: false };
  },
};

/** The stages in the order they began, from the events marked first. */
function stagesBegun(events: readonly EditProgress[]): string[] {
  return events.filter((e) => e.first).map((e) => e.stage);
}

describe("IceditSession.edit: one entry, plain or with selection", () => {
  const demo = useDemoSession("icedit-edit-entry-", { precision: "f32", embeddingCacheDir: null, convertedCacheDir: null });
  /** The edit of a W x 48 image with seed 5 and `options`, and the progress it reported. */
  const editSeed5 = async (options: EditOptions) => {
    const events: EditProgress[] = [];
    const result = await demo.session.edit(exampleImage(W, 48), INSTRUCTION, {
      seed: 5,
      width: W,
      ...options,
      onProgress: (p) => events.push(p),
    });
    return { result, events };
  };

  it("a plain edit: no tournament, no previews; each stage begins once, denoising counted from 0", async () => {
    const { result, events } = await editSeed5({ steps: 2 });
    assert.equal(result.record.tournament, undefined);
    assert.deepEqual(result.previews, []);
    assert.equal(result.record.seed, 5);
    assert.deepEqual(stagesBegun(events), ["resize", "text", "prepare", "denoise", "decode"]);
    const denoise = events.filter((e) => e.stage === "denoise");
    assert.deepEqual(
      denoise.map((e) => [e.step, e.from, e.first, e.denoising]),
      [
        [0, 0, true, true],
        [1, 0, false, true],
        [2, 0, false, true],
      ],
    );
    assert.ok(events.filter((e) => e.stage !== "denoise").every((e) => !e.denoising));
  });

  it("with selection (early steps left to the default, capped): the tournament in the record, and the winner's steps counted from m", async () => {
    const { result, events } = await editSeed5({ steps: 3, selection: { judge: challenger, candidates: 2 } });
    const t = result.record.tournament;
    assert.ok(t, "the tournament is recorded");
    assert.deepEqual(t.candidates, [5, 6]);
    assert.equal(t.earlySteps, 2, "the default m (10) capped at steps - 1");
    assert.equal(t.winner, 6);
    assert.equal(result.record.seed, 6, "the record's seed is the winner's");
    assert.deepEqual(
      result.previews.map((p) => p.seed),
      [5, 6],
    );
    assert.deepEqual(stagesBegun(events), [
      "probe",
      "resize",
      "text",
      "prepare",
      "early",
      "preview",
      "compare",
      "winner",
      "continue",
      "decode",
    ]);
    const early = events.filter((e) => e.stage === "early");
    assert.deepEqual(
      early.map((e) => [e.step, e.first]),
      [
        [0, true],
        [1, false],
        [2, false],
      ],
      "the early runs begin at 0",
    );
    const cont = events.filter((e) => e.stage === "continue");
    assert.deepEqual(
      cont.map((e) => [e.step, e.steps, e.from, e.first, e.denoising]),
      [
        [2, 3, 2, true, true],
        [3, 3, 2, false, true],
      ],
    );
    assert.deepEqual(
      events.filter((e) => e.winner !== undefined).map((e) => e.winner),
      [6],
    );
    assert.equal(events.filter((e) => e.comparison).length, 1);
  });
});
