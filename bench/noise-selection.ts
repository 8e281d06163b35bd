/**
 * Noise selection on the demo model, M = 6, m = 10, n = 28: transformer evaluations and wall time
 * against six plain edits, and batched against sequential early steps. The judge is a local
 * function (picks the brighter preview), so only icedit's own cost is measured.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDemoModel } from "../src/demo/make-demo-model.js";
import { exampleImage } from "../src/demo/example-image.js";
import { IceditSession } from "../src/api/session.js";
import { judgeFromFunction } from "../src/vlm/index.js";
import { decodeImage } from "../src/image/index.js";
import { peakRssMiB } from "./stats.js";

async function brightness(png: Uint8Array): Promise<number> {
  const image = await decodeImage(png);
  let sum = 0;
  for (const v of image.data) sum += v;
  return sum / image.data.length;
}

export async function benchNoiseSelection(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-bench-select-"));
  try {
    await makeDemoModel(join(dir, "demo"), { weights: "random" });
    const session = await IceditSession.open({ model: join(dir, "demo"), embeddingCacheDir: null });
    try {
      const judge = judgeFromFunction(async (r) => ((await brightness(r.image1)) >= (await brightness(r.image2)) ? 1 : 2));
      const source = exampleImage();
      const selection = { judge, candidates: 6, earlySteps: 10 };
      const options = { selection, steps: 28, seed: 42 };
      await session.edit(source, "make the sky green", { seed: 42, steps: 2, selection: { ...selection, earlySteps: 1 } });
      let start = performance.now();
      const batched = await session.edit(source, "make the sky green", options);
      const batchedMs = performance.now() - start;
      start = performance.now();
      const sequential = await session.edit(source, "make the sky green", { ...options, selection: { ...selection, batchSize: 1 } });
      const sequentialMs = performance.now() - start;
      start = performance.now();
      for (let i = 0; i < 6; i++) await session.edit(source, "make the sky green", { seed: 42 + i, steps: 28 });
      const sixPlainMs = performance.now() - start;
      return {
        config: "demo model, 512x384 source (1024x384 diptych), M=6, m=10, n=28",
        nfe_selection: batched.record.tournament?.nfe,
        nfe_six_plain_edits: 6 * 28,
        selection_batched_ms: Math.round(batchedMs),
        selection_sequential_ms: Math.round(sequentialMs),
        six_plain_edits_ms: Math.round(sixPlainMs),
        winner_same_both_ways: batched.record.tournament?.winner === sequential.record.tournament?.winner,
        peak_rss_mib: peakRssMiB(),
      };
    } finally {
      await session.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
