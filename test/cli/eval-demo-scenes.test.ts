/**
 * `icedit eval-demo --scenes DIR` with the shipped (trained) demo model on 8 scenes drawn by the
 * external drawer (bench/external-scenes): the same table and report as the held-out edits, with
 * the folder's files named, --count taking the folder's first N, and clear refusals.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeDemoModel } from "../../src/demo/make-demo-model.js";
import { readTrainedDemo } from "../../src/demo/trained-demo.js";
import { writeExternalScenes } from "../../bench/external-scenes/draw.js";
import { DemoModelFolder } from "../api/fixtures.js";
import { icedit } from "./test-io.js";

interface Report {
  settings: { count: number; firstSeed: number | null; scenes: string | null; size: number; width: number };
  runs: {
    name: string;
    table: { perKind: Record<string, { passed: number; total: number }>; overall: { passed: number; total: number } };
    edits: { index: number; seed: number | null; file: string | null; kind: string; instruction: string; passed: boolean }[];
  }[];
  markdown: string;
}

describe("icedit eval-demo --scenes DIR", () => {
  const demo = new DemoModelFolder("icedit-eval-scenes-").use(async (dir) => {
    await makeDemoModel(join(dir, "demo"));
    await writeExternalScenes(join(dir, "scenes"), { count: 8, seed: 5 });
  });
  const scenes = (): string => join(demo.dir, "scenes");

  it("--configs vae scores the folder's 8 edits by the image-derived masks: two per kind, the files named", async () => {
    const out = join(demo.dir, "out");
    const run = await icedit(["eval-demo", "--model", demo.model, "--scenes", scenes(), "--configs", "vae", "--json", "-q", "--out", out]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const report = JSON.parse(run.out.at(-1) ?? "") as Report;
    const s = report.settings;
    const { width } = (await readTrainedDemo()).recipe.edit;
    assert.deepEqual([s.count, s.firstSeed, s.scenes, s.size, s.width], [8, null, scenes(), 128, width], "edited at the model's own width");
    const [vae] = report.runs;
    assert.ok(vae);
    assert.deepEqual(
      vae.edits.map((e) => [e.index, e.seed, e.file, e.kind]),
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, null, `scene-${i}.png`, ["recolour", "remove", "background", "add"][i % 4]]),
    );
    for (const kind of ["recolour", "remove", "background", "add"]) assert.equal(vae.table.perKind[kind]?.total, 2, kind);
    // the trained VAE gives back 95% of 200 external targets (bench external); these 8 nearly all
    assert.ok(vae.table.overall.passed >= 6, JSON.stringify(vae.table.overall));
    assert.match(
      await readFile(join(out, "report.md"), "utf8"),
      /8 edits of the scenes folder .*scenes \(128x128, masks from the images\)/,
    );
  });

  it("--configs moe --count 2 edits the folder's first two scenes with the LoRA-MoE", async () => {
    const run = await icedit([
      "eval-demo",
      "--model",
      demo.model,
      "--scenes",
      scenes(),
      "--configs",
      "moe",
      "--count",
      "2",
      "--json",
      "-q",
    ]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const report = JSON.parse(run.out.at(-1) ?? "") as Report;
    assert.equal(report.settings.count, 2);
    const lines = (await readFile(join(scenes(), "edits.jsonl"), "utf8")).trim().split("\n");
    assert.deepEqual(
      report.runs[0]?.edits.map((e) => e.instruction),
      lines.slice(0, 2).map((l) => (JSON.parse(l) as { instruction: string }).instruction),
    );
    assert.match(report.markdown, /\| LoRA-MoE \|/);
  });

  const refusals: [string, string[], number, RegExp][] = [
    ["a missing folder", ["--scenes", "/nonexistent/scenes"], 1, /scenes folder \/nonexistent\/scenes does not exist/],
    ["--first-seed", ["--first-seed", "3"], 2, /--first-seed draws held-out scenes; .*leave out --first-seed/],
    ["--size", ["--size", "64"], 2, /--size draws held-out scenes/],
    ["--count past the folder", ["--count", "9"], 2, /--count 9 asks for more edits than .* lists \(8\)/],
  ];
  for (const [what, args, code, message] of refusals) {
    it(`refuses ${what}`, async () => {
      const withScenes = args.includes("--scenes") ? args : ["--scenes", scenes(), ...args];
      const run = await icedit(["eval-demo", "--model", demo.model, ...withScenes, "--configs", "vae"]);
      assert.equal(run.code, code, run.err.join("\n"));
      assert.match(run.err.join("\n"), message);
      assert.deepEqual(run.out, []);
    });
  }
});
