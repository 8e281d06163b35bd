/** The report of a run: means per row and per task, MagicBrush's final and all turns, the paper's rows, best and worst samples. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Bench, BenchSample } from "../../src/eval/bench/bench.js";
import { evalReport } from "../../src/eval/report/eval-report.js";
import { bestAndWorst } from "../../src/eval/report/best-worst.js";
import { columnsOf } from "../../src/eval/report/columns.js";
import type { SampleRecord } from "../../src/eval/run/sample-record.js";

function scores(l1: number, clipI: number, dino: number, clipOut: number | null = null) {
  return { l1, l2: l1 * l1, clipI, clipISource: null, clipOut, dino };
}

function bench(kind: Bench["kind"], samples: number): Bench {
  const sample = (i: number): BenchSample => ({
    id: String(i),
    instruction: "x",
    task: null,
    source: async () => Promise.reject(new Error("unused")),
  });
  return {
    kind,
    description: `${kind} test`,
    samples: Array.from({ length: samples }, (_, i) => sample(i)),
    skipped: [{ id: "bad", reason: "empty instruction" }],
    dropped: [],
    measureAgainstSource: kind === "emu-edit",
  };
}

const turn = (session: string, index: number, final: boolean) => ({ session, index, final });

const MAGICBRUSH: SampleRecord[] = [
  { id: "a-1", task: null, instruction: "i", turn: turn("a", 1, false), scores: scores(0.1, 0.9, 0.8), editMs: 1000 },
  { id: "a-2", task: null, instruction: "i", turn: turn("a", 2, true), scores: scores(0.3, 0.7, 0.6), editMs: 3000 },
  { id: "b-1", task: null, instruction: "i", turn: turn("b", 1, true), scores: scores(0.05, 0.95, 0.9), editMs: 2000 },
  {
    id: "c-1",
    task: null,
    instruction: "i",
    turn: turn("c", 1, true),
    scores: null,
    skipped: "c-1: source_img: the image cell has no bytes",
    editMs: null,
  },
];

describe("eval report", () => {
  it("MagicBrush: final-turn and all-turn means in the paper's columns (L1, CLIP-I, DINO), the paper's row above, skips listed", () => {
    const report = evalReport(bench("magicbrush", 4), {}, MAGICBRUSH, "icedit (demo)");
    const [final, all] = report.rows;
    assert.equal(final?.name, "final turn");
    assert.equal(final?.count, 2);
    assert.ok(Math.abs((final?.means.l1 ?? 0) - 0.175) < 1e-12);
    assert.ok(Math.abs((final?.means.clipI ?? 0) - 0.825) < 1e-12);
    assert.equal(all?.count, 3);
    assert.ok(Math.abs((all?.means.dino ?? 0) - 2.3 / 3) < 1e-12);
    assert.deepEqual(report.counts, { samples: 4, evaluated: 4, scored: 3, skipped: 2, dropped: 0 });
    assert.deepEqual(
      report.skipped.map((s) => s.id),
      ["bad", "c-1"],
    );
    assert.equal(report.meanEditMs, 2000);
    const lines = report.markdown.split("\n");
    assert.equal(lines[2], "| method | L1 | CLIP-I | DINO |");
    assert.equal(lines[4], "| ICEdit (paper) | 0.060 | 0.928 | 0.853 |");
    assert.equal(lines[5], "| icedit (demo), final turn (n=2) | 0.175 | 0.825 | 0.750 |");
    assert.equal(lines[6], "| icedit (demo), all turns (n=3) | 0.150 | 0.850 | 0.767 |");
    assert.match(report.markdown, /Skipped 2 bad row\(s\): bad \(empty instruction\); c-1 \(c-1: source_img/);
  });

  it("Emu Edit: CLIP-I, CLIP-Out, DINO with the paper's four rows, one row per task", () => {
    const records: SampleRecord[] = [
      { id: "1", task: "local", instruction: "i", scores: scores(0, 0.8, 0.7, 0.3), editMs: null },
      { id: "2", task: "global", instruction: "i", scores: scores(0, 0.6, 0.5, 0.2), editMs: null },
      { id: "3", task: "local", instruction: "i", scores: scores(0, 0.9, 0.9, 0.25), editMs: null },
    ];
    const report = evalReport(bench("emu-edit", 3), {}, records, "ours");
    const md = report.markdown;
    assert.match(md, /\| method \| CLIP-I \| CLIP-Out \| DINO \|/);
    assert.match(md, /\| ICEdit \(paper\) \| 0\.907 \| 0\.305 \| 0\.866 \|/);
    assert.match(md, /\| FLUX\.1 Fill, IC prompt, no adapter \(paper\) \| 0\.794 \| 0\.273 \| 0\.659 \|/);
    assert.match(md, /\| ours \(n=3\) \| 0\.767 \| 0\.250 \| 0\.700 \|/);
    assert.deepEqual(
      report.tasks.map((t) => [t.name, t.count]),
      [
        ["local", 2],
        ["global", 1],
      ],
    );
    assert.match(md, /\| local \| 2 \| 0\.850 \| 0\.275 \| 0\.800 \|/);
    assert.match(md, /GPT column .* not computed/);
    assert.equal(report.meanEditMs, null);
  });

  it("demo: the pixel rule's pass rate beside the metrics", () => {
    const rule = (passed: boolean) => ({ passed, inside: 1, outside: 1, reason: "" });
    const records: SampleRecord[] = [
      { id: "0", task: "add", instruction: "i", scores: scores(0.1, 0.9, 0.9, 0.1), pixelRule: rule(true), editMs: 10 },
      { id: "1", task: "add", instruction: "i", scores: scores(0.1, 0.9, 0.9, 0.1), pixelRule: rule(false), editMs: 10 },
      { id: "2", task: "remove", instruction: "i", scores: scores(0.1, 0.9, 0.9, 0.1), pixelRule: rule(true), editMs: 10 },
    ];
    const report = evalReport(bench("demo", 3), {}, records, "demo");
    assert.equal(report.rows[0]?.means.pixelRule, 2 / 3);
    assert.match(report.markdown, /\| method \| pixel rule \| L1 \| CLIP-I \| DINO \| CLIP-Out \|/);
    assert.match(report.markdown, /\| demo \(n=3\) \| 66\.7% \|/);
    assert.match(report.markdown, /\| add \| 2 \| 50\.0% \|/);
  });

  it("best and worst: by value, lower first for L1, higher first for CLIP-I; unscored records left out", () => {
    const [l1, clipI] = columnsOf("magicbrush", false, false);
    assert.ok(l1 && clipI);
    const byL1 = bestAndWorst(MAGICBRUSH, l1, 1);
    assert.deepEqual([byL1.best.map((r) => r.id), byL1.worst.map((r) => r.id)], [["b-1"], ["a-2"]]);
    const byClip = bestAndWorst(MAGICBRUSH, clipI, 2);
    assert.deepEqual([byClip.best.map((r) => r.id), byClip.worst.map((r) => r.id)], [["b-1", "a-1"], ["a-2"]]);
  });
});
