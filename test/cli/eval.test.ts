/**
 * `icedit eval` end to end on the random-weight demo model, with tiny random CLIP and DINO folders
 * in the Hugging Face layout: tiny parquet files of both benchmarks give the paper's tables; a
 * second run resumes without editing again; bad rows are counted and skipped with their ids;
 * --predictions scores images made elsewhere; --bench demo adds the pixel rule; bad flags are refused.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeDemoMetricModels, type DemoMetricFolders } from "../../src/demo/metric-models.js";
import { patterned, writePng } from "../train/data/fixtures.js";
import { emuEditRows, magicBrushRows, writeEmuEditTest, writeMagicBrushTest } from "../eval/fixtures.js";
import { useCliDemoModel } from "./fixtures.js";
import { icedit } from "./test-io.js";
import { startJudgeServer } from "../vlm/judge-server.js";

interface Report {
  counts: { samples: number; evaluated: number; scored: number; skipped: number; dropped: number };
  skipped: { id: string; reason: string }[];
  dropped: { id: string }[];
  rows: { name: string; count: number; means: Record<string, number | null> }[];
  records: { id: string; scores: Record<string, number | null> | null; editMs: number | null; pixelRule?: { passed: boolean } }[];
}

describe("icedit eval", () => {
  let tiny: DemoMetricFolders | undefined;
  const demo = useCliDemoModel("icedit-eval-");
  // After the demo folder's own hook (hooks run in the order they are registered).
  before(async () => {
    await writeMagicBrushTest(join(demo.dir, "mb", "test-00000-of-00001.parquet"), await magicBrushRows());
    await writeEmuEditTest(join(demo.dir, "emu", "test-00000-of-00001.parquet"), await emuEditRows());
    tiny = await writeDemoMetricModels(join(demo.dir, "metric-models"));
  });
  const metricArgs = (): string[] => {
    assert.ok(tiny, "the suite's hook wrote them");
    return ["--clip-model", tiny.clip, "--dino-model", tiny.dino];
  };
  const edit = (): string[] => ["--model", demo.model, "--steps", "1", "--width", "32", ...metricArgs()];

  it("MagicBrush: the paper's table (L1, CLIP-I, DINO), final and all turns; a rerun edits nothing; bad rows skipped with ids", async () => {
    const out = join(demo.dir, "out-mb");
    const args = ["eval", "--bench", "magicbrush", "--data", join(demo.dir, "mb"), "--out", out, ...edit()];
    const first = await icedit(args);
    assert.equal(first.code, 0, first.err.join("\n"));
    const table = first.out.join("\n").split("\n");
    assert.equal(table[2], "| method | L1 | CLIP-I | DINO |");
    assert.equal(table[4], "| ICEdit (paper) | 0.060 | 0.928 | 0.853 |");
    assert.match(table[5] ?? "", /^\| icedit \(demo, its adapter\), final turn \(n=2\) \| \d\.\d{3} \| -?\d\.\d{3} \| -?\d\.\d{3} \|$/);
    assert.match(table[6] ?? "", /^\| icedit \(demo, its adapter\), all turns \(n=5\) \|/);
    assert.match(
      first.out.join("\n"),
      /Skipped 2 bad row\(s\): s4-1 \(empty instruction\); s3-1 \(s3-1: source_img: the image cell has no bytes\)/,
    );
    assert.equal(first.err.filter((l) => / scored /.test(l) || /: scored/.test(l)).length, 5);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
    assert.deepEqual(report.counts, { samples: 6, evaluated: 6, scored: 5, skipped: 2, dropped: 0 });
    assert.equal((await readdir(join(out, "edits"))).length, 5);
    assert.deepEqual((await readdir(join(out, "sheets"))).sort(), ["clipI.png", "dino.png", "l1.png"]);

    const second = await icedit(args);
    assert.equal(second.code, 0, second.err.join("\n"));
    assert.equal(second.err.filter((l) => /: scored/.test(l)).length, 0, "nothing edited again");
    assert.ok(!second.err.some((l) => /^loading transformer/.test(l)), "no model opened when all is done");
    assert.ok(second.err.some((l) => /6\/6 \(6 resumed\)/.test(l)));
    assert.deepEqual(second.out, first.out);
  });

  it("Emu Edit: CLIP-I, CLIP-Out, DINO against the input; equal captions dropped; --limit; --json", async () => {
    const out = join(demo.dir, "out-emu");
    const run = await icedit([
      "eval",
      "--bench",
      "emu-edit",
      "--data",
      join(demo.dir, "emu"),
      "--out",
      out,
      "--limit",
      "2",
      "--json",
      "-q",
      ...edit(),
    ]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const report = JSON.parse(run.out[0] ?? "") as Report & { markdown: string };
    assert.deepEqual(report.counts, { samples: 3, evaluated: 2, scored: 2, skipped: 1, dropped: 1 });
    assert.deepEqual(
      report.dropped.map((d) => d.id),
      ["12"],
    );
    assert.match(report.markdown, /\| method \| CLIP-I \| CLIP-Out \| DINO \|/);
    for (const r of report.records) {
      assert.ok(r.scores && r.scores["clipOut"] !== null && r.scores["clipI"] !== null && r.scores["dino"] !== null);
      assert.ok((r.editMs ?? 0) > 0);
    }
  });

  it("--predictions: the targets as predictions score L1 0, CLIP-I 1, DINO 1; a missing prediction is a skip", async () => {
    const predictions = join(demo.dir, "predictions");
    await mkdir(predictions, { recursive: true });
    // s1-1's target is patterned seed 2, s1-2's seed 3 (fixtures); s2-* have no prediction.
    await writePng(join(predictions, "s1-1.png"), patterned(32, 32, 2));
    await writePng(join(predictions, "s1-2.png"), patterned(32, 32, 3));
    const run = await icedit([
      "eval",
      "--bench",
      "magicbrush",
      "--data",
      join(demo.dir, "mb"),
      "--out",
      join(demo.dir, "out-pred"),
      "--predictions",
      predictions,
      "--json",
      "-q",
      ...metricArgs(),
    ]);
    assert.equal(run.code, 0, run.err.join("\n"));
    const report = JSON.parse(run.out[0] ?? "") as Report;
    const s1 = report.records.filter((r) => r.id.startsWith("s1-"));
    for (const r of s1) {
      assert.equal(r.scores?.["l1"], 0);
      assert.ok(Math.abs((r.scores?.["clipI"] ?? 0) - 1) < 1e-6);
      assert.ok(Math.abs((r.scores?.["dino"] ?? 0) - 1) < 1e-6);
      assert.equal(r.editMs, null);
    }
    assert.deepEqual(report.skipped.map((s) => s.id).sort(), ["s2-1", "s2-2", "s2-3", "s3-1", "s4-1"]);
    assert.match(report.skipped.find((s) => s.id === "s2-1")?.reason ?? "", /no prediction .*s2-1\.png/);
  });

  it("--vlm-judge: a VLM column from an OpenAI-compatible judge's SC and PQ ratings", async () => {
    const judge = await startJudgeServer(["judge-vl"]);
    try {
      judge.script.push(
        { answer: '{"scores": [8, 6], "reason": "a"}' },
        { answer: '{"scores": [9, 7], "reason": "b"}' },
        { answer: '{"scores": [4, 9], "reason": "c"}' },
        { answer: '{"scores": [9, 9], "reason": "d"}' },
      );
      const predictions = join(demo.dir, "predictions");
      const args = ["eval", "--bench", "magicbrush", "--data", join(demo.dir, "mb"), "--limit", "2", "--predictions", predictions];
      const vlm = ["--vlm-judge", "openai", "--vlm-judge-model", "judge-vl", "--vlm-judge-url", `${judge.url}/v1`];
      const run = await icedit([...args, "--out", join(demo.dir, "out-vlm"), ...vlm, ...metricArgs()]);
      assert.equal(run.code, 0, run.err.join("\n"));
      assert.match(run.out.join("\n"), /\| method \| L1 \| CLIP-I \| DINO \| VLM O \(0-10\) \|/);
      const expected = (Math.sqrt(6 * 7) + Math.sqrt(4 * 9)) / 2;
      assert.match(run.out.join("\n"), new RegExp(`all turns \\(n=2\\) \\|.*\\| ${expected.toFixed(3)} \\|`));
      assert.equal(judge.requests.filter((r) => r.path.endsWith("/chat/completions")).length, 4);
    } finally {
      await judge.close();
    }
  });

  it("--bench demo: the pixel rule beside the metrics, per edit kind", async () => {
    const out = join(demo.dir, "out-demo");
    const run = await icedit(["eval", "--bench", "demo", "--limit", "2", "--out", out, "--cache", "teacache", ...edit()]);
    assert.equal(run.code, 0, run.err.join("\n"));
    // The edit options (the step cache among them) are the run's settings: a rerun with others is refused.
    assert.match(await readFile(join(out, "run.json"), "utf8"), /"cache": "teacache"/);
    const text = run.out.join("\n");
    assert.match(text, /\| method \| pixel rule \| L1 \| CLIP-I \| DINO \| CLIP-Out \|/);
    assert.match(text, /\| icedit \(demo, its adapter\) \(n=2\) \| \d+\.\d% \|/);
    assert.match(text, /\| recolour \| 1 \|/);
    assert.match(text, /\| remove \| 1 \|/);
  });

  it("refuses bad flags naming them", async () => {
    const cases: [string[], RegExp][] = [
      [["eval"], /--bench is required/],
      [["eval", "--bench", "magicbrush"], /--data PATH/],
      [["eval", "--bench", "demo", "--turns", "chain"], /--turns is for --bench magicbrush/],
      [["eval", "--bench", "demo", "--predictions", "x", "--steps", "2"], /--steps sets how edits are made/],
      [["eval", "--bench", "demo", "--candidates", "2"], /--candidates is part of noise selection/],
      [["eval", "--bench", "demo", "--limit", "0"], /--limit takes a whole number >= 1/],
      [["eval", "--bench", "demo", "--cache", "sometimes"], /--cache takes .*got "sometimes"/],
      [["eval", "--bench", "demo", "--predictions", "x", "--cache", "teacache"], /--cache sets how edits are made/],
    ];
    for (const [args, message] of cases) {
      const run = await icedit(args);
      assert.notEqual(run.code, 0, args.join(" "));
      assert.match(run.err.join("\n"), message, args.join(" "));
    }
  });
});
