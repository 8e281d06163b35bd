/** Sampled scenes keep the world's rules; the validity check finds each broken rule; sampling is deterministic. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidSceneError } from "../../../src/demo/scenes/errors.js";
import { shapeCoverage } from "../../../src/demo/scenes/render.js";
import { sampleScene } from "../../../src/demo/scenes/sample-scene.js";
import { checkScene, type Scene, sceneProblems } from "../../../src/demo/scenes/scene.js";

const SEEDS = 400;

describe("sampled scenes", () => {
  const scenes = Array.from({ length: SEEDS }, (_, seed) => sampleScene(seed));

  it("have 1 to 3 shapes, every count occurs, and sizes in [1/6, 1/3] of the canvas", () => {
    const counts = new Map<number, number>();
    for (const scene of scenes) {
      counts.set(scene.shapes.length, (counts.get(scene.shapes.length) ?? 0) + 1);
      for (const s of scene.shapes) {
        assert.ok(s.size >= 1 / 6 && s.size <= 1 / 3, `size ${s.size}`);
        assert.ok(s.centre.x - s.size / 2 >= 0 && s.centre.x + s.size / 2 <= 1, "inside the canvas in x");
        assert.ok(s.centre.y - s.size / 2 >= 0 && s.centre.y + s.size / 2 <= 1, "inside the canvas in y");
      }
    }
    assert.deepEqual([...counts.keys()].sort(), [1, 2, 3]);
    for (const n of [1, 2, 3]) assert.ok((counts.get(n) ?? 0) > SEEDS / 6, `count ${n} occurs ${counts.get(n)} times`);
  });

  it("never pair a colour and kind twice, never use the background's colour, and use every colour, kind and background", () => {
    const colours = new Set<string>();
    const kinds = new Set<string>();
    const backgrounds = new Set<string>();
    for (const scene of scenes) {
      backgrounds.add(scene.background);
      const pairs = scene.shapes.map((s) => `${s.colour} ${s.kind}`);
      assert.equal(new Set(pairs).size, pairs.length, pairs.join(", "));
      for (const s of scene.shapes) {
        assert.notEqual(s.colour, scene.background);
        colours.add(s.colour);
        kinds.add(s.kind);
      }
    }
    assert.equal(colours.size, 6);
    assert.equal(kinds.size, 3);
    assert.equal(backgrounds.size, 6);
  });

  it("do not overlap: no pixel at 64 px is covered by two shapes, not even partly", () => {
    for (const scene of scenes.slice(0, 150)) {
      const owner = new Int8Array(64 * 64).fill(-1);
      scene.shapes.forEach((shape, i) => {
        const counts = shapeCoverage(shape, { size: 64 });
        for (let p = 0; p < counts.length; p++) {
          if (counts[p] === 0) continue;
          assert.equal(owner[p], -1, `pixel ${p} is covered by shapes ${owner[p]} and ${i}`);
          owner[p] = i;
        }
      });
    }
  });

  it("are the same for the same seed and differ between seeds", () => {
    assert.deepEqual(sampleScene(7), sampleScene(7));
    assert.notDeepEqual(sampleScene(7), sampleScene(8));
    assert.ok(scenes.every((s) => sceneProblems(s).length === 0));
  });
});

describe("the validity check", () => {
  const ok: Scene = {
    background: "white",
    shapes: [
      { kind: "circle", colour: "red", centre: { x: 0.25, y: 0.25 }, size: 0.25 },
      { kind: "square", colour: "red", centre: { x: 0.75, y: 0.75 }, size: 0.25 },
    ],
  };

  it("accepts a valid scene", () => assert.deepEqual(sceneProblems(ok), []));

  const broken: [string, Scene, RegExp][] = [
    ["no shapes", { background: "white", shapes: [] }, /0 shapes/],
    ["a shape too small", { ...ok, shapes: [{ ...(ok.shapes[0] as Scene["shapes"][number]), size: 0.15 }] }, /size 0\.15/],
    ["a shape too big", { ...ok, shapes: [{ ...(ok.shapes[0] as Scene["shapes"][number]), size: 0.34 }] }, /size 0\.34/],
    ["the background's colour", { ...ok, background: "red" }, /background's colour/],
    [
      "a repeated colour and kind",
      {
        ...ok,
        shapes: [ok.shapes[0] as Scene["shapes"][number], { ...(ok.shapes[0] as Scene["shapes"][number]), centre: { x: 0.75, y: 0.75 } }],
      },
      /a second red circle/,
    ],
    [
      "overlapping boxes",
      {
        ...ok,
        shapes: [ok.shapes[0] as Scene["shapes"][number], { ...(ok.shapes[1] as Scene["shapes"][number]), centre: { x: 0.5, y: 0.5 } }],
      },
      /overlaps/,
    ],
    [
      "leaving the canvas",
      { ...ok, shapes: [{ ...(ok.shapes[0] as Scene["shapes"][number]), centre: { x: 0.1, y: 0.5 } }] },
      /leaves the canvas/,
    ],
  ];
  for (const [what, scene, pattern] of broken) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => checkScene(scene),
        (e: unknown) => e instanceof InvalidSceneError && pattern.test(e.message),
      );
    });
  }
});
