/**
 * The external scene drawer (bench/external-scenes): its rasteriser against closed-form areas, its
 * scenes against issue 15's rules, its folder against our grammar, and its independence from our
 * generator (it imports nothing of src/demo).
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { imageMasks } from "../../src/demo/eval/image-masks.js";
import { parseInstruction } from "../../src/demo/eval/instruction.js";
import { readScenesFolder } from "../../src/demo/eval/scenes-folder.js";
import { ADDED_SHAPE_SIZE } from "../../src/demo/scenes/draw-edit.js";
import { sampleEditExample } from "../../src/demo/scenes/edit-example.js";
import { rgbImage } from "../../src/image/rgb.js";
import { drawOver, perfectAdditions } from "../../bench/external-scenes/perfect-additions.js";
import { readImage } from "../../src/image/index.js";
import { writeExternalScenes } from "../../bench/external-scenes/draw.js";
import { coverage, rasterise } from "../../bench/external-scenes/raster.js";
import { XorShift32 } from "../../bench/external-scenes/rng.js";
import { drawEditOf, GAP } from "../../bench/external-scenes/sample.js";
import { EDIT_FORMS, PALETTE, wordsOf, type Figure, type Picture } from "../../bench/external-scenes/world.js";

const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);

describe("the external drawer's rasteriser", () => {
  it("covers a pixel-aligned square exactly: side^2, every pixel 1 inside and 0 outside", () => {
    const cover = coverage({ kind: "square", colour: "red", x: 4, y: 6, side: 10 }, 32);
    assert.equal(sum(cover), 100);
    assert.equal(cover[6 * 32 + 4], 1);
    assert.equal(cover[5 * 32 + 4], 0);
    assert.equal(cover[15 * 32 + 13], 1);
    assert.equal(cover[16 * 32 + 13], 0);
  });

  it("gives a square's half-covered edge pixels 1/2", () => {
    const cover = coverage({ kind: "square", colour: "red", x: 4.5, y: 6, side: 10 }, 32);
    assert.equal(cover[8 * 32 + 4], 0.5);
    assert.equal(cover[8 * 32 + 14], 0.5);
  });

  it("integrates a circle to pi r^2 and an upright triangle to side^2 / 2", () => {
    const circle = sum(coverage({ kind: "circle", colour: "red", x: 10.3, y: 7.9, side: 30 }, 64));
    assert.ok(Math.abs(circle / (Math.PI * 225) - 1) < 1e-3, `circle ${circle}`);
    const triangle = sum(coverage({ kind: "triangle", colour: "red", x: 10.3, y: 7.9, side: 30 }, 64));
    assert.ok(Math.abs(triangle / 450 - 1) < 1e-3, `triangle ${triangle}`);
  });

  it("mixes a figure's colour into the background by coverage", () => {
    const picture: Picture = { size: 16, background: "white", figures: [{ kind: "square", colour: "black", x: 4.5, y: 4, side: 6 }] };
    const rgb = rasterise(picture);
    const at = (x: number, y: number): number[] => [...rgb.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3)];
    assert.deepEqual(at(0, 0), [...PALETTE.white]);
    assert.deepEqual(at(6, 6), [...PALETTE.black]);
    assert.deepEqual(at(4, 6), [133, 133, 133], "half of 245 and half of 20, rounded");
  });
});

describe("the external drawer's scenes", () => {
  it("keep issue 15's rules for every form, and the target changes only the named attribute", () => {
    const rng = new XorShift32(7);
    for (let i = 0; i < 200; i++) {
      const form = EDIT_FORMS[i % 4] ?? "recolour";
      const { source, target, instruction } = drawEditOf(rng, 128, form);
      for (const picture of [source, target]) checkPicture(picture);
      const parsed = parseInstruction(wordsOf(instruction));
      assert.equal(parsed.kind, form);
      const kept = (p: Picture): Figure[] =>
        p.figures.filter((f) => !("figure" in instruction) || (f !== instruction.figure && f.x !== instruction.figure.x));
      assert.deepEqual(kept(target), kept(source), `${wordsOf(instruction)}: the other figures stay`);
    }
  });

  it("writes a folder our grammar reads: balanced kinds, 128x128 PNGs, the same bytes from the same seed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-external-"));
    try {
      const lines = await writeExternalScenes(join(dir, "a"), { count: 8, seed: 3 });
      const again = await writeExternalScenes(join(dir, "b"), { count: 8, seed: 3 });
      const other = await writeExternalScenes(join(dir, "c"), { count: 8, seed: 4 });
      assert.deepEqual(
        lines.map((l) => l.kind),
        ["recolour", "remove", "background", "add", "recolour", "remove", "background", "add"],
      );
      const jsonl = (await readFile(join(dir, "a", "edits.jsonl"), "utf8")).trim().split("\n");
      assert.deepEqual(
        jsonl.map((l) => JSON.parse(l) as unknown),
        lines,
      );
      assert.deepEqual(lines[0], { source: "scene-0.png", target: "target-0.png", instruction: lines[0]?.instruction, kind: "recolour" });
      for (const line of lines) assert.equal(parseInstruction(line.instruction).kind, line.kind);
      const source = await readImage(join(dir, "a", "scene-5.png"));
      assert.deepEqual(source.dims, [128, 128, 3]);
      assert.deepEqual((await readImage(join(dir, "b", "scene-5.png"))).data, source.data);
      assert.deepEqual(again, lines);
      assert.notDeepEqual(other, lines);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shares no code with our generator: nothing in bench/external-scenes imports src/demo", () => {
    const folder = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bench", "external-scenes");
    const drawer = ["rng.ts", "world.ts", "raster.ts", "sample.ts", "draw.ts"];
    assert.deepEqual(
      readdirSync(folder).filter((f) => drawer.includes(f)),
      drawer.slice().sort(),
    );
    for (const file of drawer) assert.doesNotMatch(readFileSync(join(folder, file), "utf8"), /from "[^"]*\/demo\//, file);
  });
});

describe("the perfect addition of our geometry (perfect-additions.ts)", () => {
  it("passes every addition of our own triplets, also with masks read from the images", () => {
    const examples = [0, 1, 2, 3, 4, 5].map((i) => {
      const example = sampleEditExample(500 + i, "add", { size: 64 });
      const masks = i % 2 === 0 ? {} : imageMasks(example.source, example.target);
      return { index: i, seed: 500 + i, file: null, example: { ...example, ...masks } };
    });
    assert.deepEqual(perfectAdditions(examples), { addedSize: ADDED_SHAPE_SIZE, passed: 6, total: 6 });
    const wrongSize = perfectAdditions(examples, 1 / 6);
    assert.equal(wrongSize.total, 6);
    assert.ok(wrongSize.passed < 6, "a smaller shape leaves the target's region uncovered");
  });

  it("draws a shape over an image by its coverage: a pixel-aligned square exactly, the rest untouched", () => {
    const grey = rgbImage(16, 16, new Uint8Array(16 * 16 * 3).fill(100));
    const drawn = drawOver(grey, { kind: "square", colour: "black", size: 0.5, centre: { x: 0.5, y: 0.5 } });
    const at = (x: number, y: number): number[] => [...drawn.data.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3)];
    assert.deepEqual(at(4, 4), [20, 20, 20]);
    assert.deepEqual(at(11, 11), [20, 20, 20]);
    assert.deepEqual(at(3, 4), [100, 100, 100]);
    assert.deepEqual(at(12, 12), [100, 100, 100]);
  });

  it("scores only the additions of a folder: the external drawer's are any size, so some fail", async () => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-external-perfect-"));
    try {
      await writeExternalScenes(dir, { count: 80, seed: 5 });
      const { examples } = await readScenesFolder(dir);
      const result = perfectAdditions(examples);
      assert.equal(result.total, 20);
      assert.ok(result.passed > 0 && result.passed < 20, `${result.passed} of 20`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Issue 15's scene rules, checked on a drawn picture. */
function checkPicture(p: Picture): void {
  assert.ok(p.figures.length >= 1 && p.figures.length <= 3, `${p.figures.length} figures`);
  const pairs = new Set(p.figures.map((f) => `${f.colour} ${f.kind}`));
  assert.equal(pairs.size, p.figures.length, "no two figures share colour and kind");
  for (const [i, f] of p.figures.entries()) {
    assert.notEqual(f.colour, p.background);
    assert.ok(f.side >= p.size / 6 && f.side <= p.size / 3, `side ${f.side}`);
    assert.ok(f.x >= 0 && f.y >= 0 && f.x + f.side <= p.size && f.y + f.side <= p.size, "inside the canvas");
    for (const g of p.figures.slice(0, i))
      assert.ok(
        g.x + g.side + GAP <= f.x || f.x + f.side + GAP <= g.x || g.y + g.side + GAP <= f.y || f.y + f.side + GAP <= g.y,
        "boxes apart",
      );
  }
}
