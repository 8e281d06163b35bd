import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { demoEdit, flags, iceditWithRecord, useCliDemoModel } from "./fixtures.js";
import { closedPort, startJudgeServer, type JudgeServer } from "../vlm/judge-server.js";
import { readImage } from "../../src/image/index.js";

describe("icedit edit with noise selection", () => {
  const demo = useCliDemoModel("icedit-select-");
  let judge: JudgeServer;
  before(async () => {
    judge = await startJudgeServer(["judge-vl"]);
  });
  after(async () => judge.close());

  it("runs the tournament and writes the winner, the record and the contact sheet", async () => {
    const out = join(demo.dir, "winner.png");
    const sheet = join(demo.dir, "sheet.png");
    const judging = flags({ judge: "openai", "judge-url": `${judge.url}/v1`, "judge-model": "judge-vl", candidates: 3, "early-steps": 2 });
    const args = demoEdit(
      demo.model,
      "make the sky green",
      "--steps",
      "3",
      "--width",
      "128",
      ...judging,
      "-o",
      out,
      "--contact-sheet",
      sheet,
    );
    const run = await iceditWithRecord<{
      tournament: { candidates: number[]; comparisons: unknown[]; winner: number; nfe: number };
    }>(args, join(demo.dir, "record.json"));
    const json = run.json;
    assert.deepEqual(json.tournament.candidates, [42, 43, 44]);
    assert.equal(json.tournament.comparisons.length, 2);
    assert.equal(json.tournament.nfe, 3 * 2 + (3 - 2));
    assert.ok(json.tournament.candidates.includes(json.tournament.winner));
    assert.match(run.err.join("\n"), /winner: seed/);
    assert.deepEqual((await readImage(out)).dims, [96, 128, 3]);
    assert.ok(existsSync(sheet));
  });

  it("fails fast when the judge is down, and falls back to the first seed when asked", async () => {
    const port = await closedPort();
    const judging = flags({
      judge: "ollama",
      "judge-url": `http://127.0.0.1:${port}`,
      "judge-model": "m",
      candidates: 2,
      "early-steps": 1,
    });
    const base = demoEdit(demo.model, "x", "--steps", "2", "--width", "128", ...judging);
    const down = await icedit([...base, "-o", join(demo.dir, "down.png")]);
    assert.equal(down.code, 1);
    assert.match(down.err.join("\n"), /judge/i);
    assert.equal(existsSync(join(demo.dir, "down.png")), false);
    const fallback = await icedit([...base, "-o", join(demo.dir, "fallback.png"), "--judge-fallback", "first-seed"]);
    assert.equal(fallback.code, 0, fallback.err.join("\n"));
    assert.ok(existsSync(join(demo.dir, "fallback.png")));
  });

  it("needs --judge for selection options", async () => {
    const run = await icedit(["edit", "--image", demo.image, "--instruction", "x", "--candidates", "4"]);
    assert.equal(run.code, 2);
    assert.match(run.err.join("\n"), /--candidates is part of noise selection/);
  });
});
