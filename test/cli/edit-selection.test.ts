import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { closedPort, startJudgeServer, type JudgeServer } from "../vlm/judge-server.js";
import { readImage } from "../../src/image/index.js";

describe("icedit edit with noise selection", () => {
  let dir: string;
  let model: string;
  let judge: JudgeServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-select-"));
    model = join(dir, "demo");
    assert.equal((await icedit(["make-demo-model", model])).code, 0);
    judge = await startJudgeServer(["judge-vl"]);
  });
  after(async () => {
    await judge.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the tournament and writes the winner, the record and the contact sheet", async () => {
    const out = join(dir, "winner.png");
    const sheet = join(dir, "sheet.png");
    const record = join(dir, "record.json");
    const run = await icedit([
      "edit",
      "--model",
      model,
      "--image",
      join(model, "example.png"),
      "--instruction",
      "make the sky green",
      "--steps",
      "3",
      "--judge",
      "openai",
      "--judge-url",
      `${judge.url}/v1`,
      "--judge-model",
      "judge-vl",
      "--candidates",
      "3",
      "--early-steps",
      "2",
      "-o",
      out,
      "--contact-sheet",
      sheet,
      "--json",
      record,
    ]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const json = JSON.parse(await readFile(record, "utf8")) as {
      tournament: { candidates: number[]; comparisons: unknown[]; winner: number; nfe: number };
    };
    assert.deepEqual(json.tournament.candidates, [42, 43, 44]);
    assert.equal(json.tournament.comparisons.length, 2);
    assert.equal(json.tournament.nfe, 3 * 2 + (3 - 2));
    assert.ok(json.tournament.candidates.includes(json.tournament.winner));
    assert.match(run.err.join("\n"), /winner: seed/);
    assert.deepEqual((await readImage(out)).dims, [384, 512, 3]);
    assert.ok(existsSync(sheet));
  });

  it("fails fast when the judge is down, and falls back to the first seed when asked", async () => {
    const port = await closedPort();
    const base = [
      "edit",
      "--model",
      model,
      "--image",
      join(model, "example.png"),
      "--instruction",
      "x",
      "--steps",
      "2",
      "--judge",
      "ollama",
      "--judge-url",
      `http://127.0.0.1:${port}`,
      "--judge-model",
      "m",
      "--candidates",
      "2",
      "--early-steps",
      "1",
    ];
    const down = await icedit([...base, "-o", join(dir, "down.png")]);
    assert.equal(down.code, 1);
    assert.match(down.err.join("\n"), /judge/i);
    assert.equal(existsSync(join(dir, "down.png")), false);
    const fallback = await icedit([...base, "-o", join(dir, "fallback.png"), "--judge-fallback", "first-seed"]);
    assert.equal(fallback.code, 0, fallback.err.join("\n"));
    assert.ok(existsSync(join(dir, "fallback.png")));
  });

  it("needs --judge for selection options", async () => {
    const run = await icedit(["edit", "--image", join(model, "example.png"), "--instruction", "x", "--candidates", "4"]);
    assert.equal(run.code, 2);
    assert.match(run.err.join("\n"), /--candidates is part of noise selection/);
  });
});
