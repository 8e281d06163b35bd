/** IceditSession.edit is the one edit entry: plain or with noise selection, one result type, progress that says where each stage begins. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession, makeDemoModel, type EditProgress, type Judge } from "icedit";
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
  let dir: string;
  let session: IceditSession;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-edit-entry-"));
    await makeDemoModel(join(dir, "demo"));
    session = await IceditSession.open({ model: join(dir, "demo"), precision: "f32", embeddingCacheDir: null, convertedCacheDir: null });
  });
  after(async () => {
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a plain edit: no tournament, no previews; each stage begins once, denoising counted from 0", async () => {
    const events: EditProgress[] = [];
    const result = await session.edit(exampleImage(W, 48), INSTRUCTION, { seed: 5, steps: 2, width: W, onProgress: (p) => events.push(p) });
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
    const events: EditProgress[] = [];
    const result = await session.edit(exampleImage(W, 48), INSTRUCTION, {
      seed: 5,
      steps: 3,
      width: W,
      selection: { judge: challenger, candidates: 2 },
      onProgress: (p) => events.push(p),
    });
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
