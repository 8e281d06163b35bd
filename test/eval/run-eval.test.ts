/**
 * The evaluation loop on a tiny MagicBrush file with the tiny random CLIP and DINO folders (the
 * real HF layout, opened by MetricModels): an edit that returns the target scores L1 0, CLIP-I 1,
 * DINO 1; turns chain through the stored edits; a bad row is recorded as a skip with its id; a run
 * stopped by its AbortSignal resumes without redoing finished samples; other settings are refused.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { SuiteFolder } from "../api/fixtures.js";
import { MetricModels } from "../../src/api/metric-models.js";
import { writeDemoMetricModels } from "../../src/demo/metric-models.js";
import { openBench } from "../../src/eval/bench/open-bench.js";
import type { BenchSample } from "../../src/eval/bench/bench.js";
import { EvalStore, EvalStoreError, fileNameOf } from "../../src/eval/run/eval-store.js";
import { runEval, type ProduceFunction } from "../../src/eval/run/run-eval.js";
import type { RgbImage } from "../../src/image/rgb.js";
import { magicBrushRows, writeMagicBrushTest } from "./fixtures.js";

describe("runEval", () => {
  let metrics: MetricModels | undefined;
  const folder = new SuiteFolder("icedit-run-eval-").use(
    async (dir) => {
      await writeMagicBrushTest(join(dir, "mb.parquet"), await magicBrushRows());
      const tiny = await writeDemoMetricModels(join(dir, "metric-models"));
      metrics = await MetricModels.open({ clip: tiny.clip, dino: tiny.dino, download: false });
    },
    async () => metrics?.close(),
  );

  /** An edit that returns the sample's target and remembers its inputs. */
  function targetEdit(): { produce: ProduceFunction; inputs: Map<string, RgbImage> } {
    const inputs = new Map<string, RgbImage>();
    const produce: ProduceFunction = async (sample: BenchSample, input: RgbImage) => {
      inputs.set(sample.id, input);
      assert.ok(sample.target);
      return sample.target();
    };
    return { produce, inputs };
  }

  it("scores an edit that returns the target as L1 0, CLIP-I 1, DINO 1; chains turns; records a bad row with its id", async () => {
    const bench = await openBench({ bench: "magicbrush", data: join(folder.dir, "mb.parquet") });
    const store = await EvalStore.open(join(folder.dir, "run-a"), { bench: "magicbrush" });
    const edit = targetEdit();
    const records = await runEval({
      bench,
      store,
      measure: (e) => (metrics as MetricModels).score(e),
      produce: edit.produce,
      edits: true,
      chain: true,
    });
    assert.equal(records.length, 6);
    for (const r of records.filter((r) => r.scores)) {
      assert.ok(r.scores);
      assert.equal(r.scores.l1, 0, r.id);
      assert.ok(Math.abs((r.scores.clipI ?? 0) - 1) < 1e-6, `${r.id} CLIP-I ${r.scores.clipI}`);
      assert.ok(Math.abs((r.scores.dino ?? 0) - 1) < 1e-6, `${r.id} DINO ${r.scores.dino}`);
    }
    const bad = records.find((r) => r.id === "s3-1");
    assert.equal(bad?.scores, null);
    assert.match(bad?.skipped ?? "", /the image cell has no bytes/);
    // Turn 2 of s1 edits turn 1's edit (its target, stored as PNG): not its own source_img.
    const s1t2 = edit.inputs.get("s1-2");
    const s1t1Target = await bench.samples.find((s) => s.id === "s1-1")?.target?.();
    assert.deepEqual(s1t2?.data, s1t1Target?.data);
    assert.deepEqual(
      records.filter((r) => r.chained).map((r) => r.id),
      ["s1-2", "s2-2", "s2-3"],
    );
    const files = await readdir(join(folder.dir, "run-a", "edits"));
    assert.deepEqual(files.sort(), ["s1-1.png", "s1-2.png", "s2-1.png", "s2-2.png", "s2-3.png"]);
  });

  it("a run stopped by its signal after 2 samples resumes with the other 4, and never redoes the first 2", async () => {
    const bench = await openBench({ bench: "magicbrush", data: join(folder.dir, "mb.parquet") });
    const settings = { bench: "magicbrush", steps: 2 };
    const controller = new AbortController();
    let edits = 0;
    const counting: ProduceFunction = async (sample) => {
      edits++;
      assert.ok(sample.target);
      return sample.target();
    };
    const measure = (e: Parameters<MetricModels["score"]>[0]) => (metrics as MetricModels).score(e);
    const store = await EvalStore.open(join(folder.dir, "run-b"), settings);
    await assert.rejects(
      runEval({
        bench,
        store,
        measure,
        produce: counting,
        edits: true,
        signal: controller.signal,
        onSample: ({ done }) => {
          if (done === 2) controller.abort();
        },
      }),
      { name: "AbortError" },
    );
    assert.equal(edits, 2);
    const resumed: string[] = [];
    const again = await EvalStore.open(join(folder.dir, "run-b"), settings);
    const records = await runEval({
      bench,
      store: again,
      measure,
      produce: counting,
      edits: true,
      onSample: ({ record, resumed: old }) => {
        if (old) resumed.push(record.id);
      },
    });
    assert.equal(records.length, 6);
    assert.deepEqual(resumed, ["s1-1", "s1-2"]);
    assert.equal(edits, 2 + 3, "3 more edits (s3-1 has no image and is skipped without an edit)");
    await assert.rejects(
      EvalStore.open(join(folder.dir, "run-b"), { ...settings, steps: 3 }),
      (e: unknown) => e instanceof EvalStoreError && /other settings \(steps\)/.test(e.message),
    );
  });

  it("file names of ids never collide and stay inside the folder", () => {
    assert.equal(fileNameOf("s1-2"), "s1-2");
    assert.equal(fileNameOf("../x"), "~2e~2e~2fx");
    assert.notEqual(fileNameOf("a/b"), fileNameOf("a_b"));
    assert.equal(fileNameOf("é"), "~c3~a9");
  });
});
