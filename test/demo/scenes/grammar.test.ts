/** Instructions and captions: the issue's forms verbatim, and every word in the exported vocabulary. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { captionOf } from "../../../src/demo/scenes/caption.js";
import { sampleEditExample } from "../../../src/demo/scenes/edit-example.js";
import { EDIT_KINDS } from "../../../src/demo/scenes/edits.js";
import { INSTRUCTION_PATTERNS, SCENE_VOCABULARY } from "../../../src/demo/scenes/grammar.js";
import { sampleScene } from "../../../src/demo/scenes/sample-scene.js";
import type { Scene } from "../../../src/demo/scenes/scene.js";

/** The issue's grammar written out by hand, independent of the patterns in grammar.ts. */
const ISSUE_GRAMMAR =
  /^(make the (red|green|blue|yellow|white|black) (circle|square|triangle) (red|green|blue|yellow|white|black)|remove the (red|green|blue|yellow|white|black) (circle|square|triangle)|make the background (red|green|blue|yellow|white|black)|add a (red|green|blue|yellow|white|black) (circle|square|triangle) in the (top left|top right|bottom left|bottom right) corner)$/;

describe("instructions", () => {
  it("match the issue's grammar and their kind's pattern, and only it", () => {
    for (let seed = 0; seed < 120; seed++) {
      const kind = EDIT_KINDS[seed % 4] ?? "add";
      const e = sampleEditExample(seed, kind, { size: 16 });
      assert.match(e.instruction, ISSUE_GRAMMAR);
      for (const other of EDIT_KINDS)
        assert.equal(INSTRUCTION_PATTERNS[other].test(e.instruction), other === kind, `${other}: ${e.instruction}`);
    }
  });

  it("patterns refuse near misses", () => {
    const misses = [
      "Make the red circle blue",
      "make the red circles blue",
      "make the red circle purple",
      "remove the red circle.",
      "make the background",
      "add a red circle in the top corner",
      "add a red circle in the top left",
      " remove the red circle",
    ];
    for (const text of misses) for (const kind of EDIT_KINDS) assert.equal(INSTRUCTION_PATTERNS[kind].test(text), false, text);
  });
});

describe("captions", () => {
  it("name the shapes left to right and the background", () => {
    const scene: Scene = {
      background: "white",
      shapes: [
        { kind: "square", colour: "blue", size: 0.2, centre: { x: 0.7, y: 0.3 } },
        { kind: "circle", colour: "red", size: 0.2, centre: { x: 0.2, y: 0.6 } },
      ],
    };
    assert.equal(captionOf(scene), "a red circle and a blue square on a white background");
    assert.equal(captionOf({ ...scene, shapes: scene.shapes.slice(0, 1) }), "a blue square on a white background");
  });

  it("and instructions use only the vocabulary's words, and use all of them", () => {
    const used = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      for (const text of [captionOf(sampleScene(seed)), sampleEditExample(seed, EDIT_KINDS[seed % 4], { size: 16 }).instruction]) {
        for (const word of text.split(" ")) {
          assert.ok(SCENE_VOCABULARY.includes(word), `${word} (in "${text}") is not in the vocabulary`);
          used.add(word);
        }
      }
    }
    assert.deepEqual([...used].sort(), [...SCENE_VOCABULARY]);
  });
});
