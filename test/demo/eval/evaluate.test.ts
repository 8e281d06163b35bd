/**
 * The scoring path of `icedit eval-demo` without a model: held-out examples are drawn balanced and
 * reproducibly, and an injected edit function that returns the exact target scores 100%, one that
 * returns the source 0%, and a mix exactly its share, per kind and overall.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resizeImage } from "../../../src/image/index.js";
import { EDIT_KINDS, sampleEditExample } from "../../../src/demo/scenes/index.js";
import {
  configAdapters,
  EvalDemoOptionError,
  evaluateEdits,
  heldOutExamples,
  parseEvalConfigs,
  type DemoEditFunction,
  type HeldOutExample,
} from "../../../src/demo/eval/index.js";

const examples: HeldOutExample[] = heldOutExamples({ count: 8, firstSeed: 1_000_000, size: 64 });
const byIndex = (index: number): HeldOutExample => {
  const found = examples[index];
  assert.ok(found);
  return found;
};
const returnsTarget: DemoEditFunction = async ({ index }) => byIndex(index).example.target;
const returnsSource: DemoEditFunction = async ({ source }) => source;

describe("heldOutExamples", () => {
  it("draws example i from seed first + i, kinds in turn, as the edit data set does", () => {
    assert.deepEqual(
      examples.map((e) => [e.index, e.seed, e.example.kind]),
      examples.map((_, i) => [i, 1_000_000 + i, EDIT_KINDS[i % 4]]),
    );
    const again = sampleEditExample(1_000_005, "remove", { size: 64 });
    assert.equal(byIndex(5).example.instruction, again.instruction);
    assert.deepEqual(byIndex(5).example.source.data, again.source.data);
    assert.deepEqual(byIndex(5).example.source.dims, [64, 64, 3]);
  });

  it("refuses a count below 1 and seeds past 2^32, naming the setting", () => {
    assert.throws(
      () => heldOutExamples({ count: 0 }),
      (e: unknown) => e instanceof EvalDemoOptionError && e.option === "count",
    );
    assert.throws(
      () => heldOutExamples({ count: 2, firstSeed: 2 ** 32 - 1 }),
      (e: unknown) => e instanceof EvalDemoOptionError && e.option === "firstSeed",
    );
  });
});

describe("evaluateEdits", () => {
  it("scores an edit that returns the exact target 100%, per kind and overall", async () => {
    const run = await evaluateEdits(examples, returnsTarget);
    assert.deepEqual(run.table.overall, { passed: 8, total: 8, accuracy: 1 });
    for (const kind of EDIT_KINDS) assert.deepEqual(run.table.perKind[kind], { passed: 2, total: 2, accuracy: 1 });
    for (const edit of run.edits) {
      assert.equal(edit.score.passed, true, `${edit.instruction}: ${edit.score.reason}`);
      assert.equal(edit.score.inside, 1);
    }
  });

  it("scores an edit that returns the source 0%: nothing changed where it should", async () => {
    const run = await evaluateEdits(examples, returnsSource);
    assert.deepEqual(run.table.overall, { passed: 0, total: 8, accuracy: 0 });
    for (const edit of run.edits) {
      assert.equal(edit.score.passed, false);
      assert.equal(edit.score.outside, 1, "the source keeps every outside pixel");
      assert.ok(edit.score.inside < 0.8, `${edit.instruction}: inside ${edit.score.inside}`);
    }
  });

  it("counts a mix exactly: the target for examples 0-4, the source after", async () => {
    const mixed: DemoEditFunction = async (request) => (request.index < 5 ? returnsTarget(request) : returnsSource(request));
    const run = await evaluateEdits(examples, mixed);
    assert.deepEqual(run.table.overall, { passed: 5, total: 8, accuracy: 5 / 8 });
    // kinds in turn: 0 recolour, 1 remove, 2 background, 3 add, 4 recolour | 5 remove, 6 background, 7 add
    assert.deepEqual(run.table.perKind.recolour, { passed: 2, total: 2, accuracy: 1 });
    for (const kind of ["remove", "background", "add"] as const) assert.equal(run.table.perKind[kind].passed, 1);
  });

  it("scores an edit of another size at the source's size, and hands each edited image on", async () => {
    const seen: number[] = [];
    const larger: DemoEditFunction = async ({ index }) => resizeImage(byIndex(index).example.target, 128, 128);
    const run = await evaluateEdits(examples.slice(0, 4), larger, {
      onEdit: (edit, edited, done, total) => {
        assert.deepEqual(edited.dims, [128, 128, 3]);
        assert.equal(total, 4);
        seen.push(done);
        assert.equal(edit.score.resized, true);
      },
    });
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.equal(run.table.overall.passed, 4, run.edits.map((e) => e.score.reason).join("; "));
  });

  it("stops at an aborted signal before the next edit", async () => {
    const controller = new AbortController();
    let edits = 0;
    const aborting: DemoEditFunction = async (request) => {
      edits++;
      controller.abort();
      return returnsTarget(request);
    };
    await assert.rejects(evaluateEdits(examples, aborting, { signal: controller.signal }));
    assert.equal(edits, 1);
  });
});

describe("the README's configurations", () => {
  it("parses base,lora,moe,moe+select in the order given and refuses unknown or repeated names", () => {
    assert.deepEqual(
      parseEvalConfigs("moe+select,base, lora,moe").map((c) => [c.name, c.select]),
      [
        ["moe+select", true],
        ["base", false],
        ["lora", false],
        ["moe", false],
      ],
    );
    assert.throws(
      () => parseEvalConfigs("base,big"),
      /configs takes a comma-separated list of base, lora, moe, moe\+select, vae, got "big"/,
    );
    assert.throws(() => parseEvalConfigs("moe,moe"), /names "moe" twice/);
  });

  it("finds each adapter in the model folder, and says which is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-eval-configs-"));
    try {
      const [base, moe] = parseEvalConfigs("base,moe");
      assert.ok(base && moe);
      assert.deepEqual(configAdapters(base, dir), []);
      assert.throws(() => configAdapters(moe, dir), /moe needs the adapter .*icedit-moe-lora.*missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
