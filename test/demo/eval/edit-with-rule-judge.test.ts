/** `icedit edit --judge rule` runs noise selection's tournament end to end with no VLM (the random-weight demo model). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeImage } from "../../../src/image/index.js";
import { editArgs, flags, iceditWithRecord, useCliDemoModel } from "../../cli/fixtures.js";
import { FIXTURES } from "./fixtures.js";

describe("icedit edit --judge rule", () => {
  const demo = useCliDemoModel("icedit-rule-judge-");

  it("runs the tournament on a scene and records the rule judge", async () => {
    const f = FIXTURES[0];
    assert.ok(f);
    const scene = join(demo.dir, "scene.png");
    await writeImage(scene, f.source);
    const judging = flags({ judge: "rule", candidates: 3, "early-steps": 1 });
    const args = editArgs(
      demo.model,
      scene,
      f.instruction,
      "--steps",
      "2",
      "--width",
      "96",
      ...judging,
      "-o",
      join(demo.dir, "winner.png"),
    );
    const run = await iceditWithRecord<{
      tournament: { judge: unknown; comparisons: { raw: string }[]; winner: number; candidates: number[] };
    }>(args, join(demo.dir, "record.json"));
    assert.deepEqual(run.json.tournament.judge, { kind: "rule", url: "in-process", model: "shapes" });
    assert.equal(run.json.tournament.comparisons.length, 2);
    for (const comparison of run.json.tournament.comparisons) assert.match(comparison.raw, /^rule shapes: 1 changed/);
    assert.ok(run.json.tournament.candidates.includes(run.json.tournament.winner));
  });
});
