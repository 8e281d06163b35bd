/**
 * The `speed` bench on the trained demo model (written into a temp folder by make-demo-model):
 * held-out demo edits at 28 steps with the LoRA-MoE, once per step-cache setting (none, fbcache
 * and teacache at their default thresholds): steps skipped, time per edit, the pixel-rule accuracy
 * (the eval-demo scoring) and the difference to the uncached edits; then a few edits at each
 * --max-text-tokens length: time per step and the difference to the longest length.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession } from "../src/api/session.js";
import type { EditOptions } from "../src/api/edit-options.js";
import { readModelSettings } from "../src/api/model-settings.js";
import { makeDemoModel } from "../src/demo/make-demo-model.js";
import { heldOutExamples } from "../src/demo/eval/held-out.js";
import { evaluateEdits } from "../src/demo/eval/evaluate.js";
import { configAdapters, parseEvalConfigs } from "../src/demo/eval/eval-configs.js";
import type { Tensor } from "../src/tensor.js";
import { imageDiff } from "./image-diff.js";
import { median } from "./stats.js";

export const CACHE_SETTINGS = ["none", "fbcache", "teacache"] as const;

export interface DemoSpeedOptions {
  /** Held-out edits per cache setting. */
  readonly count: number;
  readonly steps: number;
  /** Edits per text length. */
  readonly textCount: number;
  readonly textTokens: readonly number[];
  readonly say: (line: string) => void;
}

export async function benchDemoSpeed(options: DemoSpeedOptions): Promise<Record<string, unknown>> {
  const { say } = options;
  const dir = await mkdtemp(join(tmpdir(), "icedit-bench-speed-"));
  try {
    const model = join(dir, "demo");
    await makeDemoModel(model);
    const defaults = (await readModelSettings(model)).edit;
    const [moe] = parseEvalConfigs("moe");
    if (!moe) throw new Error("no moe eval configuration");
    const session = await IceditSession.open({ model, loras: configAdapters(moe, model), embeddingCacheDir: null });
    try {
      const examples = heldOutExamples({ count: options.count });
      const base: EditOptions = { seed: 42, steps: options.steps, width: defaults.width, guidance: defaults.guidance };
      const images: Record<string, Tensor<"u8">[]> = {};
      const caches: Record<string, Record<string, unknown>> = {};
      for (const cache of CACHE_SETTINGS) {
        const edited: Tensor<"u8">[] = [];
        const skipped: number[] = [];
        const run = await evaluateEdits(examples, async ({ source, instruction }) => {
          const result = await session.edit(source, instruction, { ...base, cache });
          skipped.push(result.record.fill.cache?.skippedSteps.length ?? 0);
          edited.push(result.image);
          return result.image;
        });
        images[cache] = edited;
        const none = caches["none"];
        const noneMs = typeof none?.["edit_ms"] === "number" ? none["edit_ms"] : run.meanEditMs;
        caches[cache] = {
          steps_skipped_mean: Math.round((skipped.reduce((a, b) => a + b, 0) / skipped.length) * 10) / 10,
          edit_ms: Math.round(run.meanEditMs),
          speedup: Math.round((noneMs / run.meanEditMs) * 100) / 100,
          accuracy: run.table.overall,
          vs_uncached: imageDiff(edited, images["none"] ?? edited),
        };
        say(`demo ${cache}: ${JSON.stringify(caches[cache])}`);
      }
      const texts: Record<string, Record<string, unknown>> = {};
      let reference: { tokens: number; images: Tensor<"u8">[] } | null = null;
      for (const tokens of [...options.textTokens].sort((a, b) => b - a)) {
        const edited: Tensor<"u8">[] = [];
        const stepMs: number[] = [];
        try {
          for (const { example } of examples.slice(0, options.textCount)) {
            const result = await session.edit(example.source, example.instruction, { ...base, maxTextTokens: tokens });
            edited.push(result.image);
            stepMs.push(...result.record.fill.timings.stepMs);
          }
          reference ??= { tokens, images: edited };
          texts[tokens] = {
            step_ms_median: Math.round(median(stepMs) * 10) / 10,
            [`vs_${reference.tokens}_tokens`]: imageDiff(edited, reference.images),
          };
        } catch (error) {
          texts[tokens] = { error: error instanceof Error ? error.message : String(error) };
        }
        say(`demo ${tokens} text tokens: ${JSON.stringify(texts[tokens])}`);
      }
      return { edits: options.count, steps: options.steps, width: base.width, adapters: "LoRA-MoE", caches, text_tokens: texts };
    } finally {
      await session.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
