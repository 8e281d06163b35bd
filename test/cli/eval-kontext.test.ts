/**
 * `icedit eval --model <Kontext demo>`: the predictions are the Kontext method's edits (each the
 * library's Kontext edit of its sample, at the image's own size: no ICEdit diptych width), the
 * table names FLUX.1 Kontext, and a rerun that edits nothing still does; tiny random CLIP and DINO.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { IceditSession } from "../../src/index.js";
import { readImage } from "../../src/image/index.js";
import { writeDemoMetricModels, type DemoMetricFolders } from "../../src/demo/metric-models.js";
import { openBench } from "../../src/eval/bench/open-bench.js";
import { fileNameOf } from "../../src/eval/run/eval-store.js";
import { HELD_OUT_FIRST_SEED } from "../../src/train/vae/scene-batch.js";
import { makeKontextDemoModel, useDemoModel } from "../api/fixtures.js";
import { icedit } from "./test-io.js";

describe("icedit eval with a FLUX.1 Kontext model", () => {
  let tiny: DemoMetricFolders | undefined;
  const demo = useDemoModel("icedit-eval-kontext-", makeKontextDemoModel);
  before(async () => {
    tiny = await writeDemoMetricModels(join(demo.dir, "metric-models"));
  });

  it("--bench demo: Kontext edits the samples (the library's edit of each), the table says FLUX.1 Kontext, a rerun too", async () => {
    assert.ok(tiny, "the suite's hook wrote them");
    const out = join(demo.dir, "out");
    const args = ["eval", "--bench", "demo", "--limit", "1", "--out", out, "--model", demo.model, "--steps", "1"];
    const metrics = ["--clip-model", tiny.clip, "--dino-model", tiny.dino];
    const first = await icedit([...args, ...metrics]);
    assert.equal(first.code, 0, first.err.join("\n"));
    assert.match(first.err.join("\n"), /editing with FLUX\.1 Kontext/);
    const text = first.out.join("\n");
    assert.match(text, /\| FLUX\.1 Kontext \(demo\) \(n=1\) \| \d+\.\d% \|/);
    assert.doesNotMatch(text, /\| icedit \(/);
    assert.deepEqual(JSON.parse(await readFile(join(out, "method.json"), "utf8")), { method: "kontext" });

    const bench = await openBench({ bench: "demo", demo: { count: 1, firstSeed: HELD_OUT_FIRST_SEED } });
    const sample = bench.samples[0];
    assert.ok(sample);
    const source = await sample.source();
    const predicted = await readImage(join(out, "edits", `${fileNameOf(sample.id)}.png`));
    assert.deepEqual(predicted.dims, source.dims, "Kontext keeps the demo image's size (ICEdit would edit at width 512)");
    const session = await IceditSession.open({ model: demo.model, embeddingCacheDir: null, convertedCacheDir: null });
    try {
      const library = await session.edit(source, sample.instruction, { steps: 1 });
      assert.equal(library.record.method, "kontext");
      assert.deepEqual(predicted.data, library.image.data, "the prediction is the library's Kontext edit");
    } finally {
      await session.close();
    }

    const again = await icedit([...args, ...metrics]);
    assert.equal(again.code, 0, again.err.join("\n"));
    assert.ok(!again.err.some((l) => /^loading transformer/.test(l)), "nothing edited again");
    assert.deepEqual(again.out, first.out, "the rerun's table names Kontext too");
  });
});
