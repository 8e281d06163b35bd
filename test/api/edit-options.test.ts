/** The library's one edit entry: what a caller leaves out comes from EDIT_DEFAULTS, once, and bad options fail before any work. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EDIT_DEFAULTS } from "../../src/api/edit-defaults.js";
import { checkedEditSettings, resolveEditOptions } from "../../src/api/edit-options.js";
import { resolveEditLimits } from "../../src/api/edit-limits.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { BFL_CONVENTIONS, DIFFUSERS_CONVENTIONS } from "../../src/pipelines/fill/conventions.js";
import { EmptyInstructionError } from "../../src/pipelines/icedit/prompt.js";
import { judgeFromFunction } from "../../src/vlm/index.js";

const judge = judgeFromFunction(async () => 1 as const);

describe("resolveEditOptions", () => {
  it("fills a plain edit from the table, and no selection", () => {
    const s = resolveEditOptions({});
    assert.deepEqual([s.seed, s.steps, s.guidance, s.width], [42, 28, 50, 512], "the documented defaults");
    assert.deepEqual(
      [s.seed, s.steps, s.guidance, s.width],
      [EDIT_DEFAULTS.seed, EDIT_DEFAULTS.steps, EDIT_DEFAULTS.guidance, EDIT_DEFAULTS.width],
    );
    assert.equal(s.conventions, DIFFUSERS_CONVENTIONS);
    assert.equal(s.selection, undefined);
  });

  it("keeps what is given", () => {
    const s = resolveEditOptions({ seed: 0, steps: 3, guidance: 0, width: 64, conventions: "bfl" });
    assert.deepEqual([s.seed, s.steps, s.guidance, s.width], [0, 3, 0, 64], "zero is a value, not a gap");
    assert.equal(s.conventions, BFL_CONVENTIONS);
  });

  it("fills noise selection: M seeds from the edit's seed, m early steps, the fallback", () => {
    const s = resolveEditOptions({ seed: 7, selection: { judge } });
    assert.deepEqual(s.selection?.seeds, [7, 8, 9, 10, 11, 12], "M = 6 from the edit's seed");
    assert.equal(s.selection?.earlySteps, EDIT_DEFAULTS.earlySteps);
    assert.equal(s.selection?.fallback, "none");
    assert.equal(s.selection?.judge, judge);
    const given = resolveEditOptions({
      steps: 4,
      selection: { judge, seeds: [5, 1], earlySteps: 10, fallback: "first-seed", batchSize: 1 },
    });
    assert.deepEqual(given.selection?.seeds, [5, 1]);
    assert.equal(given.selection?.earlySteps, 3, "m capped at steps - 1");
    assert.equal(given.selection?.fallback, "first-seed");
    assert.equal(given.selection?.batchSize, 1);
  });

  it("refuses what the edit cannot take, before any work", () => {
    const bad = [
      { conventions: "comfy" as "bfl" },
      { steps: 1, selection: { judge } },
      { selection: { judge, seeds: [1, 2], candidates: 3 } },
      { selection: { judge, seeds: [4, 4] } },
      { selection: { judge, candidates: 0 } },
      { selection: { judge, earlySteps: 0 } },
      { selection: { judge, fallback: "retry" as "none" } },
    ];
    for (const options of bad) {
      assert.throws(
        () => resolveEditOptions(options),
        InvalidArgumentError,
        JSON.stringify(options, (k, v) => (k === "judge" ? "judge" : v)),
      );
    }
  });

  it("true CFG: off by default; above 1 on, with ICEdit's dropped text as the negative prompt; what cannot go with it is refused", () => {
    assert.equal(resolveEditOptions({}).trueCfg, undefined);
    assert.equal(resolveEditOptions({ trueCfgScale: 1 }).trueCfg, undefined, "1 is off");
    assert.deepEqual(resolveEditOptions({ trueCfgScale: 2.5 }).trueCfg, { scale: 2.5, negativePrompt: " " });
    assert.deepEqual(resolveEditOptions({ trueCfgScale: 3, negativePrompt: "blurry" }).trueCfg, { scale: 3, negativePrompt: "blurry" });
    assert.throws(() => resolveEditOptions({ negativePrompt: "blurry" }), /negativePrompt is used by true CFG only/);
    assert.throws(() => resolveEditOptions({ trueCfgScale: 2, cache: "fbcache" }), /step caching and true CFG .* cannot be combined/);
    const limits = resolveEditLimits();
    for (const [options, message] of [
      [{ trueCfgScale: 0.5 }, /trueCfgScale takes a finite number >= 1/],
      [{ trueCfgScale: Number.NaN }, /trueCfgScale takes a finite number >= 1/],
      [{ trueCfgScale: 2, negativePrompt: 7 as unknown as string }, /negativePrompt takes a string/],
      [{ trueCfgScale: 2, negativePrompt: "x".repeat(5000) }, /negativePrompt has 5000 characters, more than the 4096/],
    ] as const) {
      assert.throws(() => checkedEditSettings("in.png", "make the sky green", options, limits), message);
    }
  });

  it("checks the instruction as the edit does", () => {
    assert.throws(() => checkedEditSettings("in.png", "  \n", {}, resolveEditLimits()), EmptyInstructionError);
    assert.equal(checkedEditSettings("in.png", "make the sky green", {}, resolveEditLimits()).steps, EDIT_DEFAULTS.steps);
  });
});
