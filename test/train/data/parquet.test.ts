import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openTrainingData, TrainingDataError, UnknownParquetLayoutError, watermarkRows } from "../../../src/train/data/index.js";
import { useTempFolder } from "../../api/fixtures.js";
import { imageCell, patterned, png, writeMagicBrushShard, writeOmniEditShard, writeOtherShard } from "./fixtures.js";

/** The top `rows` rows of an image's data. */
const topRows = (width: number, height: number, seed: number, rows: number): Uint8Array =>
  patterned(width, height, seed).data.slice(0, rows * width * 3);

describe("training data: Hugging Face parquet shards", () => {
  const tmp = useTempFolder("icedit-data-parquet-");

  it("reads MagicBrush's layout and crops the bottom 1/32 (floor) of both images, as the reference", async () => {
    assert.equal(watermarkRows(512), 16);
    assert.equal(watermarkRows(95), 2, "floor(95 / 32)");
    assert.equal(watermarkRows(31), 0);
    const shard = join(tmp.dir, "magicbrush.parquet");
    await writeMagicBrushShard(shard, [
      {
        source: imageCell(await png(patterned(24, 70, 1))),
        target: imageCell(await png(patterned(24, 70, 2))),
        instruction: "put a hat on him",
      },
      {
        source: imageCell(await png(patterned(16, 16, 3))),
        target: imageCell(await png(patterned(16, 16, 4))),
        instruction: "make it night",
      },
    ]);
    const data = await openTrainingData([shard]);
    assert.equal(data.count, 2);
    const first = await data.get(0);
    assert.ok(first);
    assert.equal(first.instruction, "put a hat on him");
    assert.match(first.origin, /magicbrush\.parquet row 0$/);
    assert.deepEqual(first.source.dims, [68, 24, 3], "70 - floor(70 / 32) = 68 rows");
    assert.deepEqual(first.source.data, topRows(24, 70, 1, 68), "the top rows are kept, the bottom ones cut");
    assert.deepEqual(first.target.data, topRows(24, 70, 2, 68));
    const second = await data.get(1);
    assert.deepEqual(second?.source.dims, [16, 16, 3], "16 rows: floor(16 / 32) = 0 cut");
  });

  it("reads OmniEdit's layout: no crop, one phrasing of each row picked by the random source given", async () => {
    const shard = join(tmp.dir, "omniedit.parquet");
    const rows = [];
    for (let i = 0; i < 3; i++) {
      rows.push({
        source: imageCell(await png(patterned(20, 40, i))),
        target: imageCell(await png(patterned(20, 40, i + 50))),
        prompts: [`first ${i}`, `second ${i}`, `third ${i}`],
        task: "swap",
      });
    }
    await writeOmniEditShard(shard, rows);
    const draws = [0.1, 0.5, 0.9];
    let calls = 0;
    const data = await openTrainingData([shard], { random: () => draws[calls++] ?? 0 });
    assert.equal(calls, 3, "one draw per row, at open");
    assert.deepEqual(
      [0, 1, 2].map((i) => data.identity(i)?.instruction),
      ["first 0", "second 1", "third 2"],
      "floor(u * 3) picks the phrasing",
    );
    const got = await data.get(2);
    assert.ok(got);
    assert.deepEqual(got.source.dims, [40, 20, 3], "OmniEdit images are not cropped");
    assert.deepEqual(got.target.data, patterned(20, 40, 52).data);

    const again = await openTrainingData([shard], { random: () => 0.5 });
    assert.equal(again.identity(0)?.instruction, "second 0");
    const seededA = await openTrainingData([shard]);
    const seededB = await openTrainingData([shard]);
    assert.deepEqual(
      [0, 1, 2].map((i) => seededA.identity(i)?.instruction),
      [0, 1, 2].map((i) => seededB.identity(i)?.instruction),
      "the default seeded source is deterministic",
    );
  });

  it("reads a folder of shards (its data/ folder, as on the Hub), rows across row groups in any order", async () => {
    const folder = join(tmp.dir, "hub-layout");
    const row = async (seed: number) => ({
      source: imageCell(await png(patterned(8, 8, seed))),
      target: imageCell(await png(patterned(8, 8, seed + 1))),
      instruction: `edit ${seed}`,
    });
    await writeMagicBrushShard(
      join(folder, "data", "train-00000-of-00002.parquet"),
      [await row(0), await row(10), await row(20), await row(30), await row(40)],
      {
        rowGroupSize: 2,
      },
    );
    await writeMagicBrushShard(join(folder, "data", "train-00001-of-00002.parquet"), [await row(50)]);
    const data = await openTrainingData([folder]);
    assert.equal(data.count, 6);
    for (const i of [5, 4, 0, 3, 1, 2]) {
      const got = await data.get(i);
      assert.equal(got?.instruction, `edit ${i * 10}`);
      assert.deepEqual(got?.source.data, patterned(8, 8, i * 10).data, `row ${i}`);
    }
  });

  it("says which columns it found when the layout is neither, and refuses a codec it cannot read", async () => {
    const other = join(tmp.dir, "other.parquet");
    await writeOtherShard(other);
    await assert.rejects(
      openTrainingData([other]),
      (e: unknown) =>
        e instanceof UnknownParquetLayoutError && /\[image, caption\]/.test(e.message) && e.columns.join() === "image,caption",
    );
    const gzip = join(tmp.dir, "gzip.parquet");
    await writeMagicBrushShard(
      gzip,
      [{ source: imageCell(await png(patterned(8, 8))), target: imageCell(await png(patterned(8, 8))), instruction: "x" }],
      {
        codec: "GZIP",
      },
    );
    await assert.rejects(
      openTrainingData([gzip]),
      (e: unknown) => e instanceof TrainingDataError && /compressed with GZIP/.test(e.message),
    );
    const notParquet = join(tmp.dir, "notes.txt");
    await writeOtherShard(join(tmp.dir, "x.parquet"));
    await assert.rejects(openTrainingData([notParquet]), TrainingDataError);
    const truncated = join(tmp.dir, "truncated.parquet");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(truncated, new Uint8Array([80, 65, 82, 49, 0, 0]));
    await assert.rejects(openTrainingData([truncated]), (e: unknown) => e instanceof TrainingDataError && /parquet footer/.test(e.message));
  });

  it("counts skips for rows with an empty instruction, no image bytes, bytes that do not decode, or different sizes", async () => {
    const shard = join(tmp.dir, "bad-rows.parquet");
    const good = imageCell(await png(patterned(8, 8)));
    await writeMagicBrushShard(shard, [
      { source: good, target: good, instruction: "fine" },
      { source: good, target: good, instruction: "" },
      { source: good, target: good, instruction: null },
      { source: imageCell(null), target: good, instruction: "no source bytes" },
      { source: good, target: imageCell(new TextEncoder().encode("garbage")), instruction: "target does not decode" },
      { source: good, target: imageCell(await png(patterned(8, 9))), instruction: "sizes differ" },
    ]);
    const data = await openTrainingData([shard]);
    assert.equal(data.skipped.total, 2, "empty instructions are found at open");
    const usable = [];
    for (let i = 0; i < data.count; i++) usable.push((await data.get(i)) !== null);
    assert.deepEqual(usable, [true, false, false, false, false, false]);
    assert.deepEqual(data.skipped.byReason, { "missing-file": 0, "unreadable-image": 2, "empty-instruction": 2, "size-mismatch": 1 });
    const details = data.skipped.examples.map((e) => `${e.origin.replace(/.*\//, "")}: ${e.detail}`);
    assert.ok(
      details.some((d) => /row 3: source: .*no bytes/.test(d)),
      details.join("\n"),
    );
    assert.ok(
      details.some((d) => /row 4: target: /.test(d)),
      details.join("\n"),
    );
  });
});
