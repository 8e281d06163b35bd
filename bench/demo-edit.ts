/** The demo model's end-to-end edit (28 steps, 512 wide) as a user runs it, loading included. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDemoModel } from "../src/demo/make-demo-model.js";
import { exampleImage } from "../src/demo/example-image.js";
import { IceditSession } from "../src/api/session.js";
import { peakRssMiB } from "./stats.js";

export async function benchDemoEdit(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-bench-demo-"));
  try {
    const model = join(dir, "demo");
    await makeDemoModel(model);
    const openStart = performance.now();
    const session = await IceditSession.open({ model, embeddingCacheDir: null });
    const openMs = performance.now() - openStart;
    try {
      const first = await session.edit(exampleImage(), "make the sky green");
      const second = await session.edit(exampleImage(), "make the sky green", { seed: 7 });
      return {
        open_ms: Math.round(openMs),
        edit_ms: Math.round(first.record.timings.totalMs),
        edit_again_ms: Math.round(second.record.timings.totalMs),
        text_cached_on_second: second.record.textCached,
        step_ms_median: Math.round([...first.record.fill.timings.stepMs].sort((a, b) => a - b)[14] ?? 0),
        prepare_ms: Math.round(first.record.fill.timings.prepareMs),
        decode_ms: Math.round(first.record.fill.timings.decodeMs),
        output: first.record.output,
        peak_rss_mib: peakRssMiB(),
      };
    } finally {
      await session.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
