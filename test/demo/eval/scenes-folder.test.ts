/**
 * Reading a scenes folder (eval-demo --scenes DIR): its triplets with image-derived masks and the
 * kind read from the instruction when the line leaves it out, and a ScenesFolderError naming the
 * file and line for each thing that can be wrong.
 */
import { strict as assert } from "node:assert";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { rgbImage, writeImage } from "../../../src/image/index.js";
import { imageMasks, readScenesFolder, ScenesFolderError } from "../../../src/demo/eval/index.js";
import { writeExternalScenes } from "../../../bench/external-scenes/draw.js";
import { useTempFolder } from "../../api/fixtures.js";

describe("readScenesFolder", () => {
  const tmp = useTempFolder("icedit-scenes-folder-");
  let n = 0;
  /** A folder of 4 drawn edits (32 px) whose edits.jsonl lines are `edit(lines)`. */
  async function folder(edit: (lines: string[]) => string[] = (l) => l): Promise<string> {
    const dir = join(tmp.dir, `f${n++}`);
    await writeExternalScenes(dir, { count: 4, seed: 11, size: 32 });
    const lines = (await readFile(join(dir, "edits.jsonl"), "utf8")).trim().split("\n");
    await writeFile(join(dir, "edits.jsonl"), `${edit(lines).join("\n")}\n`);
    return dir;
  }

  it("reads every triplet in order with the images' masks; a line without kind takes its instruction's", async () => {
    const dir = await folder((lines) => lines.map((l, i) => (i === 2 ? l.replace(/,"kind":"[a-z]+"/, "") : l)));
    const read = await readScenesFolder(dir);
    assert.equal(read.size, 32);
    assert.deepEqual(
      read.examples.map((e) => [e.index, e.seed, e.file, e.example.kind]),
      [
        [0, null, "scene-0.png", "recolour"],
        [1, null, "scene-1.png", "remove"],
        [2, null, "scene-2.png", "background"],
        [3, null, "scene-3.png", "add"],
      ],
    );
    const first = read.examples[0]?.example;
    assert.ok(first);
    assert.deepEqual(first.region, imageMasks(first.source, first.target).region);
    assert.match(first.instruction, /^make the \w+ \w+ \w+$/);
  });

  const refusals: [string, (dir: string) => Promise<unknown>, RegExp][] = [
    ["a missing folder", async (dir) => join(dir, "nowhere"), /scenes folder .*nowhere does not exist/],
    [
      "a folder without edits.jsonl",
      async (dir) => mkdir(join(dir, "empty"), { recursive: true }).then(() => join(dir, "empty")),
      /edits\.jsonl is missing/,
    ],
    ["a line that is not JSON", async () => folder((l) => [l[0] ?? "", "{source: scene-1.png"]), /edits\.jsonl line 2 is not JSON/],
    [
      "a line without a target",
      async () => folder((l) => [l[0]?.replace(/"target":"[^"]*",/, "") ?? ""]),
      /line 1 needs "target" as a non-empty string/,
    ],
    [
      "an unknown kind",
      async () => folder((l) => [l[0]?.replace(/"kind":"recolour"/, '"kind":"paint"') ?? ""]),
      /"kind" is one of recolour, remove, background, add/,
    ],
    [
      "a kind the instruction contradicts",
      async () => folder((l) => [l[1]?.replace(/"kind":"remove"/, '"kind":"add"') ?? ""]),
      /"kind" is add, but "remove the .*" is a remove instruction/,
    ],
    [
      "an instruction of no known form",
      async () => folder((l) => [l[0]?.replace(/"instruction":"[^"]*"/, '"instruction":"paint it all red"') ?? ""]),
      /line 1: "paint it all red" is not an instruction of the demo world/,
    ],
    ["a missing image", async () => folder((l) => [l[0]?.replace("target-0.png", "target-9.png") ?? ""]), /line 1: .*target-9\.png/],
    [
      "images of different sizes",
      async () => {
        const dir = await folder();
        await writeImage(join(dir, "target-1.png"), rgbImage(30, 32));
        return dir;
      },
      /line 2: the target target-1\.png is 32x30, the source scene-1\.png 32x32/,
    ],
    [
      "a target equal to its source",
      async () => folder((l) => [l[0]?.replace("target-0.png", "scene-0.png") ?? ""]),
      /line 1: scene-0\.png shows the same picture as scene-0\.png/,
    ],
    ["an empty list", async () => folder(() => [""]), /lists no edits/],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what}, naming it`, async () => {
      const dir = (await make(tmp.dir)) as string;
      await assert.rejects(readScenesFolder(dir), (e: unknown) => e instanceof ScenesFolderError && message.test(e.message));
    });
  }
});
