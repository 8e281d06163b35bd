/**
 * The data-set writers: the edit folder reads back through openTrainingData (the reader `icedit
 * train` uses) with the sampled pixels and instructions, balanced over the four kinds; the
 * in-painting folder holds captioned scenes and balanced 0/255 masks of the three kinds.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { captionOf } from "../../../src/demo/scenes/caption.js";
import { sampleEditExample } from "../../../src/demo/scenes/edit-example.js";
import { EDIT_KINDS } from "../../../src/demo/scenes/edits.js";
import { INSTRUCTION_PATTERNS } from "../../../src/demo/scenes/grammar.js";
import { halfMask, shapeMask } from "../../../src/demo/scenes/inpainting-masks.js";
import { renderScene, shapeCoverage } from "../../../src/demo/scenes/render.js";
import { runSceneData } from "../../../src/demo/scenes/main.js";
import { sampleScene } from "../../../src/demo/scenes/sample-scene.js";
import { writeEditDataset } from "../../../src/demo/scenes/write-edit-dataset.js";
import { INPAINTING_FILE, type InpaintingRecord, writeInpaintingDataset } from "../../../src/demo/scenes/write-inpainting-dataset.js";
import { InvalidArgumentError } from "../../../src/errors.js";
import { readImage } from "../../../src/image/decode.js";
import { openTrainingData } from "../../../src/train/data/index.js";
import { useTempFolder } from "../../api/fixtures.js";

const SIZE = 32;

describe("the edit data set", () => {
  const tmp = useTempFolder("icedit-scenes-edits-");

  it("reads back through openTrainingData: 10 examples, kinds balanced, the sampled pixels and instructions", async () => {
    const folder = join(tmp.dir, "edits");
    const progress: number[] = [];
    const summary = await writeEditDataset(folder, { count: 10, firstSeed: 500, size: SIZE, onProgress: (done) => progress.push(done) });
    assert.deepEqual(summary.perKind, { recolour: 3, remove: 3, background: 2, add: 2 });
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const data = await openTrainingData([folder]);
    assert.equal(data.count, 10);
    assert.equal(data.skipped.total, 0);
    const lines = (await readFile(join(folder, "metadata.jsonl"), "utf8")).trim().split("\n");
    for (let i = 0; i < 10; i++) {
      const triplet = await data.get(i);
      assert.ok(triplet);
      const kind = EDIT_KINDS[i % 4] ?? "add";
      const expected = sampleEditExample(500 + i, kind, { size: SIZE });
      assert.match(triplet.instruction, INSTRUCTION_PATTERNS[kind]);
      assert.equal(triplet.instruction, expected.instruction);
      assert.deepEqual(triplet.source.dims, [SIZE, SIZE, 3]);
      assert.deepEqual(triplet.source.data, expected.source.data, "PNG is lossless");
      assert.deepEqual(triplet.target.data, expected.target.data);
      assert.deepEqual(JSON.parse(lines[i] ?? ""), {
        source: `images/${String(i).padStart(5, "0")}_source.png`,
        target: `images/${String(i).padStart(5, "0")}_target.png`,
        instruction: expected.instruction,
        kind,
        seed: 500 + i,
      });
    }
  });

  it("refuses a bad count or size", async () => {
    await assert.rejects(writeEditDataset(join(tmp.dir, "bad"), { count: 0 }), InvalidArgumentError);
    await assert.rejects(writeEditDataset(join(tmp.dir, "bad"), { count: 2, size: 4 }), InvalidArgumentError);
  });
});

describe("the in-painting data set", () => {
  const tmp = useTempFolder("icedit-scenes-inpainting-");

  it("holds captioned scenes and 0/255 masks, rectangle, half and shape in turn", async () => {
    const folder = join(tmp.dir, "inpainting");
    const { count } = await writeInpaintingDataset(folder, { count: 6, firstSeed: 30, size: SIZE });
    assert.equal(count, 6);
    const records = (await readFile(join(folder, INPAINTING_FILE), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as InpaintingRecord);
    assert.deepEqual(
      records.map((r) => r.mask_kind),
      ["rectangle", "half", "shape", "rectangle", "half", "shape"],
    );
    for (const [i, record] of records.entries()) {
      const scene = sampleScene(30 + i);
      assert.equal(record.seed, 30 + i);
      assert.equal(record.caption, captionOf(scene));
      const image = await readImage(join(folder, record.image));
      assert.deepEqual(image.data, renderScene(scene, { size: SIZE }).data);
      const mask = await readImage(join(folder, record.mask));
      assert.deepEqual(mask.dims, [SIZE, SIZE, 3]);
      let on = 0;
      for (let p = 0; p < SIZE * SIZE; p++) {
        const v = mask.data[p * 3];
        assert.ok(v === 0 || v === 255, `mask value ${v}`);
        assert.ok(mask.data[p * 3 + 1] === v && mask.data[p * 3 + 2] === v, "grey");
        if (v === 255) on++;
      }
      if (record.mask_kind === "half") assert.equal(on, (SIZE * SIZE) / 2);
      if (record.mask_kind === "rectangle") assert.ok(on >= (SIZE * SIZE) / 16 && on <= (SIZE * SIZE * 9) / 16, `rectangle of ${on}`);
      if (record.mask_kind === "shape") {
        const covered = scene.shapes.map((s) => shapeCoverage(s, { size: SIZE }));
        const whole = covered.find((c) => c.every((n, p) => n === 0 || mask.data[p * 3] === 255));
        assert.ok(whole, "the mask holds one shape's every covered pixel");
      }
    }
  });

  it("shape masks grow the coverage by 2 px; halves split the canvas", () => {
    const scene = sampleScene(5);
    const mask = shapeMask(scene, 0, 64);
    const first = scene.shapes[0];
    assert.ok(first);
    const counts = shapeCoverage(first, { size: 64 });
    for (let p = 0; p < 64 * 64; p++) {
      const x = p % 64;
      const y = Math.floor(p / 64);
      let near = false;
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++) if ((counts[(y + dy) * 64 + (x + dx)] ?? 0) > 0 && x + dx >= 0 && x + dx < 64) near = true;
      assert.equal(mask.data[p] === 255, near, `pixel ${x},${y}`);
    }
    const left = halfMask(5, "left");
    assert.deepEqual([...left.data.slice(0, 5)], [255, 255, 0, 0, 0]);
    const bottom = halfMask(4, "bottom");
    assert.deepEqual([...bottom.data], [...new Array(8).fill(0), ...new Array(8).fill(255)]);
  });
});

describe("the script entry", () => {
  const tmp = useTempFolder("icedit-scenes-main-");

  it("writes either data set and refuses bad arguments with the usage", async () => {
    const edits = await runSceneData(["edits", join(tmp.dir, "e"), "--count", "4", "--size", "16", "--first-seed", "9"]);
    assert.match(edits, /^wrote 4 edits \(1 recolour, 1 remove, 1 background, 1 add\)/);
    const triplet = await (await openTrainingData([join(tmp.dir, "e")])).get(3);
    assert.equal(triplet?.instruction, sampleEditExample(12, "add", { size: 16 }).instruction);
    assert.match(await runSceneData(["inpainting", join(tmp.dir, "i"), "--count", "2", "--size", "16"]), /wrote 2 captioned scenes/);
    await assert.rejects(runSceneData(["pictures", join(tmp.dir, "x")]), /usage:/);
    await assert.rejects(runSceneData(["edits"]), /usage:/);
    await assert.rejects(runSceneData(["edits", join(tmp.dir, "x"), "--count", "-3"]), InvalidArgumentError);
    await assert.rejects(runSceneData(["edits", join(tmp.dir, "x"), "--count=-3"]), /--count must be a non-negative integer/);
    await assert.rejects(runSceneData(["edits", join(tmp.dir, "x"), "--colour", "red"]), InvalidArgumentError);
  });

  it("--added-size sets the side of the shapes the add triplets draw, within the grammar's 1/6 to 1/3", async () => {
    await runSceneData(["edits", join(tmp.dir, "a"), "--count", "4", "--size", "32", "--first-seed", "9", "--added-size", "0.2"]);
    const read = await readImage(join(tmp.dir, "a", "images", "00003_target.png"));
    const small = sampleEditExample(12, "add", { size: 32, addedSize: 0.2 });
    assert.equal(small.edited.shapes.at(-1)?.size, 0.2);
    assert.deepEqual([...read.data], [...small.target.data]);
    assert.notDeepEqual([...small.target.data], [...sampleEditExample(12, "add", { size: 32 }).target.data], "the default size differs");
    const bad = (value: string) => runSceneData(["edits", join(tmp.dir, "x"), "--count", "4", "--added-size", value]);
    await assert.rejects(bad("0.5"), /within the grammar's 1\/6 to 1\/3 of the width, got 0\.5/);
    await assert.rejects(bad("0.1"), InvalidArgumentError);
    await assert.rejects(bad("big"), /--added-size takes a number, got "big"/);
    await assert.rejects(runSceneData(["inpainting", join(tmp.dir, "x"), "--added-size", "0.3"]), /--added-size is for edits only/);
  });
});
