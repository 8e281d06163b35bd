import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { IceditSession, edit, EditOptionError, DEFAULT_EDIT_LIMITS } from "icedit";
import { useDemoSession } from "./fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { checkEditRequest } from "../../src/api/edit-validation.js";
import { resolveEditLimits } from "../../src/api/edit-limits.js";
import { judgeFromFunction } from "../../src/vlm/index.js";
import { EmptyInstructionError } from "../../src/pipelines/icedit/prompt.js";

describe("the library checks an edit's options once, at its entry", () => {
  const demo = useDemoSession("icedit-api-validate-", { embeddingCacheDir: null, limits: { maxSteps: 3 } });
  const noModel = (): string => join(demo.dir, "no-model");

  it("edit() refuses before opening the model: steps 1e12, a null image, width 100000 (the model path does not exist)", async () => {
    const base = { model: noModel(), download: false, image: exampleImage(64, 48), instruction: "x" };
    const steps = await assert.rejects(edit({ ...base, steps: 1e12 }), (e: unknown) => {
      assert.ok(e instanceof EditOptionError, String(e));
      assert.equal(e.option, "steps");
      assert.deepEqual(e.limit, { name: "maxSteps", max: DEFAULT_EDIT_LIMITS.maxSteps });
      assert.match(e.message, /steps is 1000000000000, more than the limit of 100: .*limits: \{ maxSteps: 1000000000000 \}/);
      return true;
    });
    assert.equal(steps, undefined);
    const nullImage = edit({ ...base, image: null as unknown as Uint8Array });
    await assert.rejects(nullImage, /image must be a file path, encoded bytes \(Uint8Array\) or a \[H, W, 3\] u8 Tensor, got null/);
    await assert.rejects(edit({ ...base, width: 100000 }), /width is 100000, more than the limit of 2048/);
    await assert.rejects(edit({ ...base, instruction: undefined as unknown as string }), EditOptionError);
  });

  it("edit() refuses before opening the model: an empty instruction, unknown conventions, selection with one step", async () => {
    const base = { model: noModel(), download: false, image: exampleImage(64, 48), instruction: "x" };
    await assert.rejects(edit({ ...base, instruction: "  " }), EmptyInstructionError);
    await assert.rejects(edit({ ...base, conventions: "sd" as "bfl" }), /conventions must be one of diffusers, bfl, got "sd"/);
    const judge = judgeFromFunction(async () => 1 as const);
    await assert.rejects(edit({ ...base, steps: 1, selection: { judge } }), /noise selection needs at least 2 denoising steps/);
  });

  it("open() refuses threads over 4 x the cores, and takes a raised limit", async () => {
    await assert.rejects(IceditSession.open({ model: noModel(), download: false, threads: 100000 }), (e: unknown) => {
      assert.ok(e instanceof EditOptionError);
      assert.match(e.message, /threads is 100000, more than the limit of \d+: .*maxThreads/);
      return true;
    });
    await assert.rejects(
      IceditSession.open({ model: noModel(), download: false, threads: 100000, limits: { maxThreads: 100000 } }),
      /not found/,
    );
    await assert.rejects(
      IceditSession.open({ model: noModel(), limits: { maxSteps: 0 } }),
      /limits\.maxSteps takes a whole number >= 1, got 0/,
    );
  });

  it("session.edit checks plain and selection edits against the session's limits", async () => {
    const image = exampleImage(64, 48);
    await assert.rejects(demo.session.edit(null as unknown as Uint8Array, "x"), EditOptionError);
    await assert.rejects(demo.session.edit(image, "x", { steps: 4 }), /steps is 4, more than the limit of 3/);
    await assert.rejects(demo.session.edit(image, "x", { steps: Number.NaN }), /steps takes a whole number from 1 to 3, got NaN/);
    await assert.rejects(demo.session.edit(image, "x", { seed: -1 }), /seed takes a whole number >= 0, got -1/);
    await assert.rejects(demo.session.edit(image, "x", { width: 40 }), /width must be a multiple of 16, got 40 \(try 48\)/);
    await assert.rejects(
      demo.session.edit(image, "x", { guidance: "high" as unknown as number }),
      /guidance takes a finite number, got "high" \(a string\)/,
    );
    const judge = judgeFromFunction(async () => 1 as const);
    await assert.rejects(
      demo.session.edit(image, "x", { selection: { judge, candidates: 65 } }),
      /candidates is 65, more than the limit of 64/,
    );
    await assert.rejects(demo.session.edit(image, "x", { steps: 2.5, selection: { judge, candidates: 2 } }), /steps takes a whole number/);
    const result = await demo.session.edit(image, "x", { steps: 3, width: 32 });
    assert.equal(result.record.steps, 3, "a value at the limit runs");
  });

  it("checkEditRequest: each option by name", () => {
    const limits = resolveEditLimits({ maxSteps: 10 });
    assert.doesNotThrow(() =>
      checkEditRequest("in.png", "x", { steps: 10, seed: 0, width: 16, selection: { candidates: 2, seeds: [1, 2] } }, limits),
    );
    assert.throws(
      () => checkEditRequest("in.png", "x", { selection: { seeds: new Array(65).fill(0) } }, limits),
      /seeds\.length is 65, more than the limit of 64/,
    );
    assert.throws(
      () => checkEditRequest("in.png", "x", { selection: { seeds: [1, 0.5] } }, limits),
      /seeds\[1\] takes a whole number >= 0, got 0\.5/,
    );
    assert.throws(() => checkEditRequest("", "x", {}, limits), /image is an empty path/);
    assert.throws(() => checkEditRequest({}, "x", {}, limits), /image must be .* got an object/);
  });
});
