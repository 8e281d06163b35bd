import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeSkips, openTrainingData, TrainingDataError } from "../../../src/train/data/index.js";
import { useTempFolder } from "../../api/fixtures.js";
import { patterned, writeMetadata, writePng } from "./fixtures.js";

describe("training data: a folder with metadata.jsonl", () => {
  const tmp = useTempFolder("icedit-data-folder-");

  it("reads each example's images and instruction, on demand, with its origin", async () => {
    const folder = join(tmp.dir, "good");
    await writePng(join(folder, "a.png"), patterned(24, 16, 1));
    await writePng(join(folder, "a_edit.png"), patterned(24, 16, 2));
    await writePng(join(folder, "sub", "b.png"), patterned(8, 8, 3));
    await writePng(join(folder, "sub", "b_edit.png"), patterned(8, 8, 4));
    await writeMetadata(folder, [
      { source: "a.png", target: "a_edit.png", instruction: "  make it red " },
      "",
      { source_file_name: "sub/b.png", target_file_name: "sub/b_edit.png", instruction: "add a cat" },
    ]);
    const data = await openTrainingData([folder]);
    assert.equal(data.count, 2, "the blank line is not an example");
    assert.equal(data.skipped.total, 0);
    const a = await data.get(0);
    assert.ok(a);
    assert.deepEqual(a.source.dims, [16, 24, 3]);
    assert.deepEqual(a.source.data, patterned(24, 16, 1).data, "decoded pixels equal the written ones (PNG is lossless)");
    assert.deepEqual(a.target.data, patterned(24, 16, 2).data);
    assert.equal(a.instruction, "make it red");
    assert.match(a.origin, /metadata\.jsonl:1$/);
    const b = await data.get(1);
    assert.ok(b);
    assert.equal(b.instruction, "add a cat");
    assert.match(b.origin, /metadata\.jsonl:3$/, "origins count the file's lines, blank ones included");
    assert.deepEqual(b.target.data, patterned(8, 8, 4).data, "the *_file_name aliases name the images");
    await assert.rejects(data.get(2), RangeError);
  });

  it("refuses a folder without metadata.jsonl, a bad JSON line (with its number) and a line without an image", async () => {
    const empty = join(tmp.dir, "empty");
    await writeMetadata(join(empty, "unrelated"), []);
    await assert.rejects(openTrainingData([empty]), (e: unknown) => e instanceof TrainingDataError && /no metadata\.jsonl/.test(e.message));
    await assert.rejects(
      openTrainingData([join(tmp.dir, "nowhere")]),
      (e: unknown) => e instanceof TrainingDataError && /no such file/.test(e.message),
    );

    const badJson = join(tmp.dir, "bad-json");
    await writeMetadata(badJson, [{ source: "a.png", target: "b.png", instruction: "x" }, '{"source": "a.png", "target": ']);
    await assert.rejects(
      openTrainingData([badJson]),
      (e: unknown) => e instanceof TrainingDataError && /metadata\.jsonl:2: not valid JSON/.test(e.message),
    );

    const noTarget = join(tmp.dir, "no-target");
    await writeMetadata(noTarget, [{ source: "a.png", instruction: "x" }]);
    await assert.rejects(
      openTrainingData([noTarget]),
      (e: unknown) => e instanceof TrainingDataError && /:1: no target image/.test(e.message),
    );

    const notObject = join(tmp.dir, "array");
    await writeMetadata(notObject, ["[1, 2]"]);
    await assert.rejects(
      openTrainingData([notObject]),
      (e: unknown) => e instanceof TrainingDataError && /expected a JSON object/.test(e.message),
    );
  });

  it("counts a skip, with its reason, for a missing file, an empty instruction, an unreadable image and different sizes", async () => {
    const folder = join(tmp.dir, "bad-examples");
    await writePng(join(folder, "ok.png"), patterned(16, 16, 1));
    await writePng(join(folder, "ok_edit.png"), patterned(16, 16, 2));
    await writePng(join(folder, "wide.png"), patterned(20, 16, 3));
    await writeFile(join(folder, "broken.png"), "this is not a PNG");
    await writeMetadata(folder, [
      { source: "ok.png", target: "ok_edit.png", instruction: "fine" },
      { source: "ok.png", target: "gone.png", instruction: "the target is missing" },
      { source: "ok.png", target: "ok_edit.png", instruction: "   " },
      { source: "broken.png", target: "ok_edit.png", instruction: "the source does not decode" },
      { source: "ok.png", target: "wide.png", instruction: "sizes differ" },
    ]);
    const data = await openTrainingData([folder]);
    assert.equal(data.count, 5);
    // The cheap checks ran at open: the missing file and the empty instruction are known before any decode.
    assert.equal(data.skipped.total, 2);
    assert.equal(data.identity(1), null);
    assert.equal(data.identity(2), null);
    assert.notEqual(data.identity(3), null, "decoding is left to get()");
    const got = [];
    for (let i = 0; i < data.count; i++) got.push(await data.get(i));
    await data.get(3); // asked twice, counted once
    assert.deepEqual(
      got.map((g) => g !== null),
      [true, false, false, false, false],
    );
    assert.deepEqual(data.skipped.byReason, { "missing-file": 1, "unreadable-image": 1, "empty-instruction": 1, "size-mismatch": 1 });
    assert.equal(data.skipped.total, 4);
    const reasons = Object.fromEntries(data.skipped.examples.map((e) => [e.reason, e]));
    assert.match(reasons["missing-file"]?.detail ?? "", /gone\.png: no such file/);
    assert.match(reasons["missing-file"]?.origin ?? "", /:2$/);
    assert.match(reasons["unreadable-image"]?.detail ?? "", /^source: .*broken\.png/);
    assert.match(reasons["size-mismatch"]?.detail ?? "", /16x16 but the target is 20x16/);
    const lines = describeSkips(data.skipped);
    assert.equal(lines[0], "4 example(s) skipped:");
    assert.ok(lines.includes("  size-mismatch: 1"));
  });

  it("joins several data sets in the order given", async () => {
    const one = join(tmp.dir, "one");
    const two = join(tmp.dir, "two");
    for (const [folder, seed] of [
      [one, 10],
      [two, 20],
    ] as const) {
      await writePng(join(folder, "s.png"), patterned(8, 8, seed));
      await writePng(join(folder, "t.png"), patterned(8, 8, seed + 1));
      await writeMetadata(folder, [{ source: "s.png", target: "t.png", instruction: `from ${seed}` }]);
    }
    const data = await openTrainingData([one, two]);
    assert.equal(data.count, 2);
    assert.equal((await data.get(0))?.instruction, "from 10");
    assert.equal((await data.get(1))?.instruction, "from 20");
    assert.deepEqual((await data.get(1))?.source.data, patterned(8, 8, 20).data);
  });
});
