/**
 * The method decides a job's defaults (no model runs here): ICEdit's diptych width and guidance 50,
 * Kontext's guidance 2.5 and no width (the resized size), the model folder's own before both; with
 * remote workers the method field asks for one, and without it only the seed is filled in.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { methodEditDefaults } from "../../src/api/method-defaults.js";
import { DEFAULT_LIMITS } from "../../src/server/config.js";
import { ApiError } from "../../src/server/errors.js";
import { parseEditParams, type ServedEdit } from "../../src/server/params.js";
import { runEdit } from "../../src/server/run-edit.js";
import { jobError } from "../../src/server/job-errors.js";
import { png } from "./helpers.js";

const SUPPORT = { noiseSelection: true };
const KONTEXT: ServedEdit = { method: "kontext", editDefaults: {} };
const FILL: ServedEdit = { method: "icedit", editDefaults: {} };

function parse(fields: Record<string, string>, served: ServedEdit) {
  return parseEditParams(new Map(Object.entries({ instruction: "add a moon", ...fields })), DEFAULT_LIMITS, SUPPORT, served);
}

function refusal(fields: Record<string, string>, served: ServedEdit): string {
  try {
    parse(fields, served);
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return `${error.status} ${error.code}: ${error.message}`;
  }
  return assert.fail("not refused");
}

describe("a job's parameters follow the method", () => {
  it("methodEditDefaults: 28 steps both; ICEdit 50 and width 512, Kontext 2.5 and no width; the folder's own first", () => {
    assert.deepEqual(methodEditDefaults("icedit"), { method: "icedit", steps: 28, guidance: 50, trueCfgScale: 1, width: 512 });
    assert.deepEqual(methodEditDefaults("kontext"), { method: "kontext", steps: 28, guidance: 2.5 });
    assert.deepEqual(methodEditDefaults("kontext", { width: 64, guidance: 1, keepSize: true }), {
      method: "kontext",
      steps: 28,
      guidance: 1,
      width: 64,
    });
    assert.deepEqual(methodEditDefaults("icedit", { width: 64 }), {
      method: "icedit",
      steps: 28,
      guidance: 50,
      trueCfgScale: 1,
      width: 64,
    });
  });

  it("the served model's method fills them in; height is Kontext's only", () => {
    assert.deepEqual(parse({}, KONTEXT), { instruction: "add a moon", method: "kontext", seed: 42, steps: 28, guidance: 2.5 });
    assert.deepEqual(parse({ height: "96" }, KONTEXT).height, 96);
    assert.deepEqual(parse({}, FILL), {
      instruction: "add a moon",
      method: "icedit",
      seed: 42,
      steps: 28,
      guidance: 50,
      trueCfgScale: 1,
      width: 512,
    });
    assert.match(refusal({ height: "96" }, FILL), /^400 invalid_parameter: height: applies to FLUX\.1 Kontext edits/);
    assert.match(refusal({ method: "kontext" }, FILL), /^400 method_not_served: method: this server's model is FLUX\.1 Fill \[dev\]/);
    assert.match(refusal({ height: "100" }, KONTEXT), /^400 invalid_parameter: height: must be a multiple of 16/);
  });

  it("remote workers: the method field picks the defaults; without it the workers' model decides all but the seed", () => {
    assert.deepEqual(parse({}, null), { instruction: "add a moon", seed: 42 });
    assert.deepEqual(parse({ method: "kontext", width: "64" }, null), {
      instruction: "add a moon",
      method: "kontext",
      seed: 42,
      steps: 28,
      guidance: 2.5,
      width: 64,
    });
    assert.equal(parse({ method: "icedit" }, null).width, 512);
    assert.deepEqual(parse({ method: "kontext", candidates: "3", early_steps: "2" }, null).selection, {
      candidates: 3,
      earlySteps: 2,
      fallback: "none",
    });
    assert.deepEqual(
      parse({ candidates: "2" }, KONTEXT).selection,
      { candidates: 2, fallback: "none" },
      "noise selection with Kontext too",
    );
  });

  it("a worker whose model runs another method fails the job before editing, as --method would", async () => {
    const editor = {
      method: "kontext" as const,
      edit: () => assert.fail("a job of another method must not edit"),
    };
    const hooks = {
      signal: new AbortController().signal,
      onProgress: () => undefined,
      onWarning: () => undefined,
      onComparison: () => undefined,
      onWinner: () => undefined,
    };
    const params = { instruction: "x", method: "icedit", seed: 1 } as const;
    const error = await runEdit(editor, undefined, await png(32, 32), params, 1 << 20, hooks).then(
      () => assert.fail("not refused"),
      (e: unknown) => e,
    );
    assert.deepEqual(jobError(error), {
      code: "invalid_parameter",
      message:
        "this worker's model: runs kontext, not the icedit the job asks for: submit it with method kontext or none, or run workers on a model of that method",
    });
  });
});
