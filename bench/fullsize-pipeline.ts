/**
 * The whole full-size pipeline in one process, one denoising step: FLUX.1 Fill's real shapes with
 * random weights (bench/fullsize-model.ts: a 12B Q8_0 GGUF transformer, T5-XXL bf16, CLIP-L, the
 * VAE), converted to int8 into the converted-weights cache on the first run, then one edit of a
 * 512x512 image (a 1024x512 diptych: 2048 image + 512 text tokens) under the memory plan for this
 * machine. Reports the time and peak memory of each stage. $ICEDIT_BENCH_BLOCK_SIZE (default 32)
 * sets the quantization block; $ICEDIT_BENCH_MAX_MEMORY the budget (default: the machine's). Opt-in (`npm run bench -- fullpipeline`):
 * it writes about 22 GB of random weights plus 18 GB of converted ones under $ICEDIT_FULLSIZE_DIR
 * (default <tmpdir>/icedit-fullsize) and takes about 10 minutes on 2 cores.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession } from "../src/api/session.js";
import { exampleImage } from "../src/demo/example-image.js";
import { processPeakRssBytes } from "../src/runtime/peak-rss.js";
import { parseMemorySize } from "../src/runtime/memory-size.js";
import { fullSizeModel } from "./fullsize-model.js";

const GIB = 2 ** 30;
const gib = (bytes: number): number => Math.round((bytes / GIB) * 100) / 100;

export async function benchFullPipeline(): Promise<Record<string, unknown>> {
  const dir = process.env["ICEDIT_FULLSIZE_DIR"] ?? join(tmpdir(), "icedit-fullsize");
  const say = (line: string): void => void process.stderr.write(`fullpipeline: ${line}\n`);
  say(`random full-size model in ${dir}`);
  const model = await fullSizeModel(join(dir, "model"));
  const maxMemory = parseMemorySize(process.env["ICEDIT_BENCH_MAX_MEMORY"] ?? "") ?? "auto";
  const blockSize = Number(process.env["ICEDIT_BENCH_BLOCK_SIZE"] ?? 32);
  const opened = performance.now();
  const session = await IceditSession.open({
    model: model.dir,
    transformer: model.transformer,
    precision: { kind: "int8", blockSize },
    loras: [],
    download: false,
    maxMemory,
    convertedCacheDir: join(dir, "converted"),
    embeddingCacheDir: null,
    onLoad: (component) => say(`loading ${component}`),
    onConverted: (event) => say(`${event.component}: ${event.kind}${"reason" in event ? ` (${event.reason})` : ""}`),
  });
  const openMs = performance.now() - opened;
  try {
    const { record } = await session.edit(exampleImage(512, 512), "make the sky green", {
      steps: 1,
      onProgress: (p) => (p.step === 0 ? say(`${p.stage} (${(p.ms / 1000).toFixed(1)} s)`) : undefined),
    });
    const memory = record.memory;
    const transformerLoadMs = memory.loads.filter((l) => l.kind === "load" && l.component === "transformer").reduce((t, l) => t + l.ms, 0);
    const result = {
      image_tokens: record.fill.imageTokens,
      block_size: blockSize,
      model_write_s: Math.round(model.writeSeconds),
      converted: record.model.converted.map((e) => ({
        component: e.component,
        kind: e.kind,
        ...("ms" in e ? { s: Math.round(e.ms / 100) / 10 } : {}),
      })),
      open_s: Math.round(openMs / 100) / 10,
      plan: memory.plan,
      budget_gib: gib(memory.budgetBytes),
      estimates_gib: Object.fromEntries(Object.entries(memory.estimates).map(([k, v]) => [k, gib(v)])),
      stages: memory.stages.map((s) => ({ stage: s.stage, s: Math.round(s.ms / 100) / 10, peak_rss_gib: gib(s.peakRssBytes) })),
      loads: memory.loads.map((l) => ({ kind: l.kind, component: l.component, s: Math.round(l.ms / 100) / 10 })),
      // In a sequential plan the transformer is loaded inside the first step's call.
      step_s: Math.round((record.fill.timings.stepMs[0] ?? 0) / 100) / 10,
      step_without_load_s: Math.round(((record.fill.timings.stepMs[0] ?? 0) - transformerLoadMs) / 100) / 10,
      text_s: Math.round(record.timings.textMs / 100) / 10,
      total_s: Math.round(record.timings.totalMs / 100) / 10,
      peak_rss_gib: gib(processPeakRssBytes()),
    };
    say(
      `plan ${result.plan} (budget ${result.budget_gib} GiB), step ${result.step_s} s (${result.step_without_load_s} s without loading), edit ${result.total_s} s, peak RSS ${result.peak_rss_gib} GiB`,
    );
    for (const s of result.stages) say(`  ${s.stage.padEnd(10)} ${String(s.s).padStart(7)} s  peak ${s.peak_rss_gib} GiB`);
    return result;
  } finally {
    await session.close();
  }
}
