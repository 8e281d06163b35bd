/**
 * The benchmark readers: MagicBrush and Emu Edit parquet files as Hugging Face holds them, a
 * metadata.jsonl folder and the demo's held-out edits, with their ids, sessions, tasks, skips
 * (with ids) and drops.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SuiteFolder } from "../api/fixtures.js";
import { patterned, writeMetadata, writePng } from "../train/data/fixtures.js";
import { openBench } from "../../src/eval/bench/open-bench.js";
import { BadSampleError, BenchDataError } from "../../src/eval/bench/bench.js";
import { parquetFiles } from "../../src/eval/bench/parquet-bench.js";
import { emuEditRows, magicBrushRows, writeEmuEditTest, writeMagicBrushTest } from "./fixtures.js";

describe("benchmark readers", () => {
  const folder = new SuiteFolder("icedit-bench-").use(async (dir) => {
    await writeMagicBrushTest(join(dir, "mb", "data", "test-00000-of-00001.parquet"), await magicBrushRows());
    await writeMagicBrushTest(join(dir, "mb", "data", "dev-00000-of-00001.parquet"), (await magicBrushRows()).slice(0, 1));
    await writeEmuEditTest(join(dir, "emu.parquet"), await emuEditRows());
  });

  it("MagicBrush: sessions in turn order, each turn chained to the previous, final turns marked, bad rows skipped with ids", async () => {
    const bench = await openBench({ bench: "magicbrush", data: join(folder.dir, "mb") });
    assert.equal(bench.kind, "magicbrush");
    assert.match(bench.description, /1 file \(test-00000-of-00001\.parquet\)/);
    assert.deepEqual(
      bench.samples.map((s) => [s.id, s.turn?.previous, s.turn?.final]),
      [
        ["s1-1", null, false],
        ["s1-2", "s1-1", true],
        ["s2-1", null, false],
        ["s2-2", "s2-1", false],
        ["s2-3", "s2-2", true],
        ["s3-1", null, true],
      ],
    );
    assert.deepEqual(bench.skipped, [{ id: "s4-1", reason: "empty instruction" }]);
    assert.equal(bench.measureAgainstSource, false);
    const first = bench.samples[0];
    assert.ok(first?.target);
    const [source, target] = [await first.source(), await first.target()];
    assert.deepEqual(Array.from(source.data.subarray(0, 6)), Array.from(patterned(32, 32, 1).data.subarray(0, 6)));
    assert.deepEqual(Array.from(target.data.subarray(0, 6)), Array.from(patterned(32, 32, 2).data.subarray(0, 6)));
    const noBytes = bench.samples.find((s) => s.id === "s3-1");
    await assert.rejects(
      noBytes?.source() ?? Promise.resolve(),
      (e: unknown) => e instanceof BadSampleError && /s3-1: source_img: the image cell has no bytes/.test(e.message),
    );
  });

  it("Emu Edit: ids from idx, tasks, equal captions dropped as ICEdit did, empty instruction skipped; measured against the source", async () => {
    const bench = await openBench({ bench: "emu-edit", data: join(folder.dir, "emu.parquet") });
    assert.deepEqual(
      bench.samples.map((s) => [s.id, s.task, s.outputCaption]),
      [
        ["10", "local", "a red house"],
        ["11", "global", "a street at night"],
        ["14", "add", "a red house"],
      ],
    );
    assert.deepEqual(
      bench.dropped.map((d) => d.id),
      ["12"],
    );
    assert.deepEqual(bench.skipped, [{ id: "13", reason: "empty instruction" }]);
    assert.equal(bench.measureAgainstSource, true);
    assert.equal(bench.samples[0]?.target, undefined);
  });

  it("refuses a file of the other layout naming the missing columns, and --bench magicbrush without --data", async () => {
    await assert.rejects(
      openBench({ bench: "magicbrush", data: join(folder.dir, "emu.parquet") }),
      (e: unknown) =>
        e instanceof BenchDataError && /no source_img, target_img, img_id, turn_index column .*--bench emu-edit/.test(e.message),
    );
    await assert.rejects(openBench({ bench: "emu-edit" }), /--data PATH .*facebook\/emu_edit_test_set/);
  });

  it("a --data folder gives its <split>-*.parquet files", async () => {
    const test = await parquetFiles(join(folder.dir, "mb"), "test");
    const dev = await parquetFiles(join(folder.dir, "mb"), "dev");
    assert.deepEqual(
      test.map((f) => f.split("/").at(-1)),
      ["test-00000-of-00001.parquet"],
    );
    assert.deepEqual(
      dev.map((f) => f.split("/").at(-1)),
      ["dev-00000-of-00001.parquet"],
    );
  });

  it("MagicBrush's test folder (edit_sessions.json, images/<img_id>/): turns numbered from 1, chained; a missing image skipped", async () => {
    const root = join(folder.dir, "MagicBrush", "test");
    for (const [session, seeds] of [
      ["7", [1, 2, 3]],
      ["9", [4, 5]],
    ] as const) {
      for (const [k, seed] of seeds.entries()) {
        const name = k === 0 ? `${session}-input.png` : `${session}-output${k}.png`;
        await writePng(join(root, "images", session, name), patterned(16, 16, seed));
      }
    }
    const sessions = {
      "7": [
        { input: "7-input.png", mask: "7-mask1.png", output: "7-output1.png", instruction: "add a hat" },
        { input: "7-output1.png", mask: "7-mask2.png", output: "7-output2.png", instruction: "make it red" },
      ],
      "9": [{ input: "9-input.png", mask: "9-mask1.png", output: "9-output9.png", instruction: "remove it" }],
    };
    await writeFile(join(root, "edit_sessions.json"), JSON.stringify(sessions));
    const bench = await openBench({ bench: "magicbrush", data: join(folder.dir, "MagicBrush") });
    assert.deepEqual(
      bench.samples.map((s) => [s.id, s.turn?.previous, s.turn?.final]),
      [
        ["7-1", null, false],
        ["7-2", "7-1", true],
      ],
    );
    assert.equal(bench.skipped.length, 1);
    assert.match(bench.skipped[0]?.reason ?? "", /^missing image .*9-output9\.png$/);
    const target = await bench.samples[1]?.target?.();
    assert.deepEqual(Array.from(target?.data.subarray(0, 6) ?? []), Array.from(patterned(16, 16, 3).data.subarray(0, 6)));
  });

  it("a metadata.jsonl folder: ids, tasks, captions, optional targets; missing files and empty instructions skipped", async () => {
    const dir = join(folder.dir, "plain");
    await mkdir(dir, { recursive: true });
    await writePng(join(dir, "a.png"), patterned(16, 16, 1));
    await writePng(join(dir, "a_edit.png"), patterned(16, 16, 2));
    await writeMetadata(dir, [
      { id: "a", source: "a.png", target: "a_edit.png", instruction: "edit a", task: "style", output_caption: "an a" },
      { source: "a.png", instruction: "no target" },
      { id: "gone", source: "missing.png", instruction: "x" },
      { id: "empty", source: "a.png", instruction: "" },
    ]);
    const bench = await openBench({ bench: dir });
    assert.deepEqual(
      bench.samples.map((s) => [s.id, s.task, s.outputCaption ?? null, s.target !== undefined]),
      [
        ["a", "style", "an a", true],
        ["2", null, null, false],
      ],
    );
    assert.deepEqual(bench.skipped, [
      { id: "gone", reason: "missing file missing.png" },
      { id: "empty", reason: "empty instruction" },
    ]);
    assert.equal(bench.measureAgainstSource, false);
    await writeFile(join(dir, "metadata.jsonl"), "{not json\n");
    await assert.rejects(openBench({ bench: dir }), /metadata\.jsonl:1: not valid JSON/);
  });

  it("demo: the held-out edits with their kinds as tasks, targets and the edited scene's caption", async () => {
    const bench = await openBench({ bench: "demo", demo: { count: 4 } });
    assert.deepEqual(
      bench.samples.map((s) => s.task),
      ["recolour", "remove", "background", "add"],
    );
    const first = bench.samples[0];
    assert.ok(first?.demo && first.target);
    assert.match(first.outputCaption ?? "", / on a \w+ background$/);
    assert.equal((await first.target()).data, first.demo.target.data);
  });
});
