/**
 * `icedit eval-demo` on the random-weight demo model: it runs held-out edits through one session,
 * prints the table (four kinds and overall) with low accuracy (the weights are noise), gives the
 * result as JSON, runs the README's configurations in one call, writes --out, and refuses bad
 * flags naming them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { readImage } from "../../src/image/index.js";
import { icedit, recordingIO } from "./test-io.js";
import { useCliDemoModel } from "./fixtures.js";
import { main } from "../../src/cli/main.js";

interface Cell {
  passed: number;
  total: number;
  accuracy: number | null;
}
interface JsonReport {
  settings: { count: number; firstSeed: number; size: number; width: number; steps: number; seed: number };
  runs: {
    name: string;
    label: string;
    adapters: string[];
    selection: { candidates: number | null; judge: string } | null;
    openMs: number;
    totalMs: number;
    meanEditMs: number;
    table: { perKind: Record<string, Cell>; overall: Cell };
    edits: {
      index: number;
      seed: number;
      kind: string;
      instruction: string;
      passed: boolean;
      inside: number | null;
      outside: number | null;
    }[];
  }[];
  markdown: string;
}

describe("icedit eval-demo", () => {
  const demo = useCliDemoModel("icedit-eval-demo-");
  const quick = ["--count", "4", "--steps", "2"];

  it("edits 4 held-out scenes and prints the table: four kinds, overall, low accuracy on random weights", async () => {
    const run = await icedit(["eval-demo", "--model", demo.model, ...quick]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const lines = run.out.join("\n").split("\n");
    assert.equal(lines[0], "| model | recolour | remove | background | add | overall |");
    const row = lines[2]?.split("|").map((cell) => cell.trim());
    assert.ok(row, lines.join("\n"));
    assert.equal(row[1], "the model folder's adapter");
    const cells = row.slice(2, 7);
    for (const cell of cells.slice(0, 4)) assert.match(cell, /^\d+\.\d% \([01]\/1\)$/);
    const overall = /^(\d+\.\d)% \((\d)\/4\)$/.exec(cells[4] ?? "");
    assert.ok(overall, cells[4]);
    assert.ok(Number(overall[2]) <= 1, `random weights should not edit: ${cells[4]}`);
    assert.match(run.out.join("\n"), /opened in [\d.]+ s, 4 edits in [\d.]+ s \([\d.]+ s per edit\)/);
    assert.match(run.err.join("\n"), /adapter LoRA: .*icedit-lora/);
  });

  it("--json prints the settings, the table and every edit's score", async () => {
    const run = await icedit(["eval-demo", "--model", demo.model, ...quick, "--lora", "none", "--json", "-q"]);
    assert.equal(run.code, 0, run.err.join("\n"));
    assert.equal(run.out.length, 1);
    const report = JSON.parse(run.out[0] ?? "") as JsonReport;
    assert.deepEqual(report.settings, {
      model: demo.model,
      count: 4,
      firstSeed: 1_000_000,
      scenes: null,
      size: 128,
      width: 128,
      steps: 2,
      seed: 42,
      trueCfgScale: 1,
    });
    assert.equal(report.runs.length, 1);
    const only = report.runs[0];
    assert.ok(only);
    assert.deepEqual(only.adapters, []);
    assert.equal(only.selection, null);
    assert.deepEqual(Object.keys(only.table.perKind), ["recolour", "remove", "background", "add"]);
    assert.equal(only.table.overall.total, 4);
    assert.ok(only.table.overall.passed <= 1);
    assert.deepEqual(
      only.edits.map((e) => [e.index, e.seed, e.kind]),
      [
        [0, 1_000_000, "recolour"],
        [1, 1_000_001, "remove"],
        [2, 1_000_002, "background"],
        [3, 1_000_003, "add"],
      ],
    );
    for (const e of only.edits) {
      assert.equal(typeof e.passed, "boolean");
      assert.ok(e.inside !== null && e.inside >= 0 && e.inside <= 1);
      assert.ok(e.outside !== null && e.outside >= 0 && e.outside <= 1);
    }
    assert.ok(only.openMs > 0 && only.totalMs > 0 && only.meanEditMs > 0);
    assert.match(report.markdown, /\| FLUX Fill base, IC prompt \(no adapter\) \|/);
  });

  it("--configs runs a row per configuration in one call, and --out writes the images and the report", async () => {
    const out = join(demo.dir, "eval");
    const args = ["--count", "1", "--steps", "2", "--configs", "base,lora,moe,moe+select", "--select", "2", "--early-steps", "1"];
    const run = await icedit(["eval-demo", "--model", demo.model, ...args, "--out", out, "--json"]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const report = JSON.parse(run.out.at(-1) ?? "") as JsonReport;
    assert.deepEqual(
      report.runs.map((r) => [r.name, r.adapters.length, r.selection]),
      [
        ["base", 0, null],
        ["lora", 1, null],
        ["moe", 1, null],
        ["moe+select", 1, { candidates: 2, judge: "rule" }],
      ],
    );
    assert.match(report.runs[2]?.adapters[0] ?? "", /^LoRA-MoE, \d+ experts, top-1: .*icedit-moe-lora/);
    assert.equal(report.markdown.trim().split("\n").length, 2 + 4);
    for (const r of report.runs) assert.deepEqual([r.table.overall.total, r.table.perKind.recolour?.total], [1, 1]);
    for (const name of ["00000-source.png", "00000-target.png"])
      assert.deepEqual((await readImage(join(out, "examples", name))).dims, [128, 128, 3]);
    for (const config of ["base", "lora", "moe", "moe+select"])
      assert.deepEqual((await readImage(join(out, config, "00000-edited.png"))).dims, [128, 128, 3], config);
    const written = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as JsonReport;
    assert.deepEqual(written.markdown, report.markdown);
    assert.match(
      await readFile(join(out, "report.md"), "utf8"),
      /1 held-out edit \(seeds 1000000 to 1000000, 128x128\), edited at width 128, 2 steps/,
    );
  });

  it("--select N --judge rule runs noise selection with the rule judge on every edit", async () => {
    const selecting = ["--select", "2", "--early-steps", "1", "--judge", "rule"];
    const run = await icedit(["eval-demo", "--model", demo.model, "--count", "1", "--steps", "2", ...selecting, "--json"]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const report = JSON.parse(run.out.at(-1) ?? "") as JsonReport;
    assert.deepEqual(report.runs[0]?.selection, { candidates: 2, judge: "rule" });
    assert.match(report.runs[0]?.label ?? "", /\+ noise selection \(2 candidates, rule judge\)$/);
  });

  it("writes nothing without --out", async () => {
    const files = async (): Promise<string[]> => [...(await readdir(demo.dir, { recursive: true }))].sort();
    const cwd = [...(await readdir(process.cwd()))].sort();
    const before = await files();
    const run = await icedit(["eval-demo", "--model", demo.model, "--count", "1", "--steps", "1", "-q"]);
    assert.equal(run.code, 0, run.err.join("\n"));
    assert.deepEqual(await files(), before);
    assert.deepEqual([...(await readdir(process.cwd()))].sort(), cwd);
  });

  it("stops at Ctrl-C after the current edit, prints no table and exits 130", async () => {
    const recorded = recordingIO();
    const io = {
      ...recorded.io,
      err: (line: string) => {
        recorded.io.err(line);
        if (line.startsWith("edits 1/3")) recorded.interrupt();
      },
    };
    const code = await main(["eval-demo", "--model", demo.model, "--count", "3", "--steps", "1"], io);
    assert.equal(code, 130, recorded.err.join("\n"));
    assert.deepEqual(recorded.out, []);
    assert.ok(!recorded.err.some((line) => line.startsWith("edits 2/3")));
    assert.match(recorded.err.join("\n"), /stopped; no table was printed/);
  });

  const refusals: [string, string[], RegExp][] = [
    ["no --model", ["--count", "4"], /--model is required/],
    ["--count 0", ["--count", "0"], /--count takes a whole number >= 1, got "0"/],
    ["--first-seed -1", ["--first-seed=-1"], /--first-seed takes a whole number >= 0/],
    ["--size 100", ["--size", "100"], /--size takes a multiple of 16 from 16 to 1024, got 100 \(try 96\)/],
    ["--width 20", ["--width", "20"], /--width takes a multiple of 16 from 16 to 2048, got 20 \(try 16\)/],
    ["--steps x", ["--steps", "x"], /--steps takes a whole number >= 1, got "x"/],
    [
      "--configs base,big",
      ["--configs", "base,big"],
      /--configs takes a comma-separated list of base, lora, moe, moe\+select, vae, got "big"/,
    ],
    ["--configs with --lora", ["--configs", "base", "--lora", "none"], /--configs chooses each row's adapter .*leave out --lora/],
    ["--select without a judge", ["--select", "3"], /--select needs a judge: add --judge rule/],
    ["--select 1", ["--select", "1", "--judge", "rule"], /--select takes a whole number >= 2, got "1"/],
    ["--judge without --select", ["--judge", "rule"], /--judge is for noise selection: add --select N/],
    ["--select without moe+select", ["--configs", "base,moe", "--select", "2"], /add moe\+select to --configs/],
    ["an unknown flag", ["--kount", "4"], /Unknown option '--kount'/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what}, naming the flag`, async () => {
      const model = what === "no --model" ? [] : ["--model", demo.model];
      const run = await icedit(["eval-demo", ...model, ...args]);
      assert.equal(run.code, 2, run.err.join("\n"));
      assert.match(run.err.join("\n"), message);
      assert.deepEqual(run.out, []);
    });
  }

  it("refuses --configs on a folder without the adapters, naming --configs and the file", async () => {
    const bare = join(demo.dir, "bare");
    await mkdir(bare, { recursive: true });
    const run = await icedit(["eval-demo", "--model", bare, "--configs", "base,lora"]);
    assert.equal(run.code, 2);
    assert.match(
      run.err.join("\n"),
      /--configs lora needs the adapter .*icedit-lora.*missing: is .* a folder written by icedit make-demo-model\?/,
    );
  });
});
