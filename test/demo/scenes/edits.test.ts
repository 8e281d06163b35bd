/**
 * Every edit kind: the target is the edited scene drawn with the source's geometry (checked pixel
 * by pixel against the source, not against the renderer's own output of the edited scene alone),
 * the region mask is exactly the set of changed pixels, the outside mask keeps clear of edges,
 * the instruction reads back to the edit, and the sampler is deterministic by seed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Prng } from "../../../src/numeric/prng.js";
import { ADDED_SHAPE_SIZE, drawEdit } from "../../../src/demo/scenes/draw-edit.js";
import { type EditExample, sampleEditExample } from "../../../src/demo/scenes/edit-example.js";
import { applyEdit, EDIT_KINDS, type EditKind } from "../../../src/demo/scenes/edits.js";
import { InvalidEditError } from "../../../src/demo/scenes/errors.js";
import { INSTRUCTION_PATTERNS } from "../../../src/demo/scenes/grammar.js";
import { COLOURS, type ColourName } from "../../../src/demo/scenes/palette.js";
import { renderScene } from "../../../src/demo/scenes/render.js";
import { sampleScene } from "../../../src/demo/scenes/sample-scene.js";
import { sceneProblems, type Scene } from "../../../src/demo/scenes/scene.js";

const SIZE = 64;
const PER_KIND = 25;

const rgbAt = (data: Uint8Array, p: number): string => `${data[p * 3]},${data[p * 3 + 1]},${data[p * 3 + 2]}`;
const rgb = (c: ColourName): string => COLOURS[c].join(",");

function examples(kind: EditKind): EditExample[] {
  return Array.from({ length: PER_KIND }, (_, i) => sampleEditExample(1000 + i, kind, { size: SIZE }));
}

function changedPixels(e: EditExample): number[] {
  const out: number[] = [];
  for (let p = 0; p < SIZE * SIZE; p++) if (rgbAt(e.source.data, p) !== rgbAt(e.target.data, p)) out.push(p);
  return out;
}

/** Checks shared by all kinds: valid edited scene, target = drawn edited scene, region = changed pixels, outside clear of edges. */
function checkCommon(e: EditExample): void {
  assert.deepEqual(sceneProblems(e.edited), []);
  assert.deepEqual(e.target.data, renderScene(e.edited, { size: SIZE }).data);
  const changed = new Set(changedPixels(e));
  assert.ok(changed.size > 0, "the edit changes pixels");
  for (let p = 0; p < SIZE * SIZE; p++) {
    // any palette colour differs from any other by >= 140 in some channel, so 1/16 coverage shows
    assert.equal(e.region.data[p] === 255, changed.has(p), `${e.instruction}: region and changed pixels differ at ${p}`);
    assert.ok(e.region.data[p] === 0 || e.region.data[p] === 255);
    if (e.outside.data[p] === 0) continue;
    assert.equal(e.region.data[p], 0, "outside excludes the region");
    const x = p % SIZE;
    const y = Math.floor(p / SIZE);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const q = Math.min(SIZE - 1, Math.max(0, y + dy)) * SIZE + Math.min(SIZE - 1, Math.max(0, x + dx));
        assert.equal(rgbAt(e.source.data, q), rgbAt(e.source.data, p), `${e.instruction}: outside pixel ${x},${y} is near an edge`);
      }
    }
  }
  let outside = 0;
  for (const v of e.outside.data) if (v === 255) outside++;
  // a background edit leaves only the shapes' interiors outside the region
  const least = e.kind === "background" ? 1 : SIZE * SIZE * 0.2;
  assert.ok(outside >= least, `${e.instruction}: outside holds ${outside} pixels`);
}

describe("edits", () => {
  it("recolour: one shape's pixels change, its interior becomes the new colour exactly", () => {
    for (const e of examples("recolour")) {
      checkCommon(e);
      const m = INSTRUCTION_PATTERNS.recolour.exec(e.instruction);
      assert.ok(m, e.instruction);
      const [, from, kind, to] = m as unknown as [string, ColourName, string, ColourName];
      assert.notEqual(from, to);
      assert.notEqual(to, e.scene.background);
      const before = e.scene.shapes.filter((s) => s.colour === from && s.kind === kind);
      assert.equal(before.length, 1, "the instruction names exactly one shape");
      const after = e.edited.shapes.find((s) => s.kind === kind && s.centre === before[0]?.centre);
      assert.equal(after?.colour, to);
      assert.equal(after?.size, before[0]?.size);
      const counts = new Map<string, number>();
      for (const p of changedPixels(e)) counts.set(rgbAt(e.target.data, p), (counts.get(rgbAt(e.target.data, p)) ?? 0) + 1);
      const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      assert.equal(top?.[0], rgb(to), "most changed pixels are exactly the new colour");
    }
  });

  it("remove: the shape's pixels become the background colour, exactly where fully covered", () => {
    for (const e of examples("remove")) {
      checkCommon(e);
      const m = INSTRUCTION_PATTERNS.remove.exec(e.instruction);
      assert.ok(m, e.instruction);
      assert.equal(e.edited.shapes.length, e.scene.shapes.length - 1);
      assert.ok(!e.edited.shapes.some((s) => s.colour === m[1] && s.kind === m[2]));
      for (const p of changedPixels(e)) assert.equal(rgbAt(e.target.data, p), rgb(e.scene.background));
    }
  });

  it("background: every pixel showing background changes, fully covered shape pixels stay", () => {
    for (const e of examples("background")) {
      checkCommon(e);
      const m = INSTRUCTION_PATTERNS.background.exec(e.instruction);
      assert.ok(m, e.instruction);
      const to = m[1] as ColourName;
      assert.equal(e.edited.background, to);
      assert.ok(e.scene.shapes.every((s) => s.colour !== to) && to !== e.scene.background);
      for (const p of changedPixels(e)) {
        if (rgbAt(e.source.data, p) === rgb(e.scene.background)) assert.equal(rgbAt(e.target.data, p), rgb(to), "plain background");
      }
      assert.deepEqual(e.edited.shapes, e.scene.shapes);
    }
  });

  it("add: a new shape of a free colour and kind in the named corner, nothing else changes", () => {
    for (const e of examples("add")) {
      checkCommon(e);
      const m = INSTRUCTION_PATTERNS.add.exec(e.instruction);
      assert.ok(m, e.instruction);
      const [, colour, kind, corner] = m as unknown as [string, ColourName, string, string];
      const added = e.edited.shapes.at(-1);
      assert.ok(added && added.colour === colour && added.kind === kind);
      assert.ok(!e.scene.shapes.some((s) => s.colour === colour && s.kind === kind));
      assert.equal(added.size, ADDED_SHAPE_SIZE);
      assert.equal(added.centre.x < 0.5, corner.endsWith("left"), `${corner}: x ${added.centre.x}`);
      assert.equal(added.centre.y < 0.5, corner.startsWith("top"), `${corner}: y ${added.centre.y}`);
      for (const p of changedPixels(e)) {
        const x = p % SIZE;
        const y = Math.floor(p / SIZE);
        assert.equal(x < SIZE / 2, corner.endsWith("left"));
        assert.equal(y < SIZE / 2, corner.startsWith("top"));
      }
    }
  });

  it("say null when no edit of a kind exists: no remove of a lone shape, no add to three shapes", () => {
    const lone: Scene = { background: "white", shapes: [{ kind: "circle", colour: "red", size: 0.25, centre: { x: 0.5, y: 0.5 } }] };
    assert.equal(drawEdit(new Prng(1), lone, "remove"), null);
    const full: Scene = {
      background: "white",
      shapes: [
        { kind: "circle", colour: "red", size: 0.2, centre: { x: 0.2, y: 0.2 } },
        { kind: "square", colour: "red", size: 0.2, centre: { x: 0.5, y: 0.5 } },
        { kind: "triangle", colour: "red", size: 0.2, centre: { x: 0.8, y: 0.8 } },
      ],
    };
    assert.equal(drawEdit(new Prng(1), full, "add"), null);
    assert.notEqual(drawEdit(new Prng(1), full, "remove"), null);
    assert.notEqual(drawEdit(new Prng(1), lone, "add"), null);
  });

  it("refuse edits that break the world", () => {
    const scene = sampleScene(3);
    const first = scene.shapes[0];
    assert.ok(first);
    assert.throws(() => applyEdit(scene, { kind: "recolour", index: 0, to: first.colour }), InvalidEditError);
    assert.throws(() => applyEdit(scene, { kind: "recolour", index: 9, to: "red" }), InvalidEditError);
    assert.throws(() => applyEdit(scene, { kind: "background", to: scene.background }), InvalidEditError);
    assert.throws(() => applyEdit(scene, { kind: "recolour", index: 0, to: scene.background }), /background's colour/);
  });

  it("are deterministic by seed; without a kind every kind is drawn", () => {
    for (const kind of EDIT_KINDS) {
      const a = sampleEditExample(42, kind, { size: 32 });
      const b = sampleEditExample(42, kind, { size: 32 });
      assert.deepEqual(a, b);
    }
    assert.notDeepEqual(sampleEditExample(42, "add", { size: 32 }).target.data, sampleEditExample(43, "add", { size: 32 }).target.data);
    const kinds = new Set(Array.from({ length: 40 }, (_, seed) => sampleEditExample(seed, undefined, { size: 16 }).kind));
    assert.deepEqual([...kinds].sort(), [...EDIT_KINDS].sort());
  });
});
