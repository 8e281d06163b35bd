/**
 * `npm run bench -- external [--count N] [--seed S] [--configs LIST] [--model DIR]`: issue 15's
 * "scenes that you did not generate" check. Draws N external scenes (draw.ts: kinds balanced, the
 * fixed seed), then runs `icedit eval-demo --configs LIST` twice on one model, on N held-out seeds
 * and on the external folder (--scenes), and gives both tables and the gap per row. The model is
 * the shipped demo (make-demo-model into a temporary folder) unless --model names one.
 * `--held-out-folder 1` adds a third table: the same held-out scenes written as a scenes folder and
 * scored like the external ones (masks from the images), which parts the masks' share of a gap from
 * the drawer's. `perfect_additions` is the share of the external additions that a perfect addition
 * of our triplets' geometry passes (perfect-additions.ts): the most any model trained on them can.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";
import type { CommandIO } from "../../src/cli/io.js";
import type { EvalDemoReport } from "../../src/demo/eval/eval-report.js";
import { heldOutExamples } from "../../src/demo/eval/held-out.js";
import { readScenesFolder } from "../../src/demo/eval/scenes-folder.js";
import { writeImage } from "../../src/image/index.js";
import { makeDemoModel } from "../../src/demo/make-demo-model.js";
import { benchFlags, flagNumber } from "../flags.js";
import { EXTERNAL_SEED, writeExternalScenes } from "./draw.js";
import { perfectAdditions } from "./perfect-additions.js";

export async function benchExternalScenes(): Promise<Record<string, unknown>> {
  const count = flagNumber("count", 200);
  const seed = flagNumber("seed", EXTERNAL_SEED);
  const configs = benchFlags().values.get("configs") ?? "moe";
  const given = benchFlags().values.get("model");
  const dir = await mkdtemp(join(tmpdir(), "icedit-bench-external-"));
  try {
    const model = given === undefined ? join(dir, "demo") : resolve(given);
    if (given === undefined) await makeDemoModel(model);
    const scenes = join(dir, "scenes");
    await writeExternalScenes(scenes, { count, seed });
    const common = ["--model", model, "--configs", configs, "--count", String(count)];
    const heldOut = await evalDemoJson(common);
    const external = await evalDemoJson([...common, "--scenes", scenes]);
    const perfect = perfectAdditions((await readScenesFolder(scenes)).examples);
    const asFolder = flagNumber("held-out-folder", 0) > 0 ? join(dir, "held-out") : null;
    if (asFolder !== null) await writeHeldOutFolder(asFolder, count);
    const heldOutImageMasks = asFolder === null ? null : await evalDemoJson([...common, "--scenes", asFolder]);
    const overall = (report: EvalDemoReport, name: string): number =>
      report.runs.find((r) => r.name === name)?.table.overall.accuracy ?? Number.NaN;
    return {
      model: given ?? "the shipped demo (make-demo-model)",
      count,
      seed,
      configs,
      held_out: summary(heldOut),
      external: summary(external),
      perfect_additions: { ...perfect, accuracy: perfect.passed / perfect.total },
      ...(heldOutImageMasks === null ? {} : { held_out_image_masks: summary(heldOutImageMasks) }),
      gap_points: Object.fromEntries(
        heldOut.runs.map((r) => [r.name, Number(((overall(external, r.name) - overall(heldOut, r.name)) * 100).toFixed(1))]),
      ),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first `count` held-out edits (our generator) as a scenes folder, for the image-derived masks. */
async function writeHeldOutFolder(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  for (const { index, example } of heldOutExamples({ count })) {
    const line = { source: `scene-${index}.png`, target: `target-${index}.png`, instruction: example.instruction, kind: example.kind };
    await writeImage(join(dir, line.source), example.source);
    await writeImage(join(dir, line.target), example.target);
    lines.push(`${JSON.stringify(line)}\n`);
  }
  await writeFile(join(dir, "edits.jsonl"), lines.join(""));
}

function summary(report: EvalDemoReport): Record<string, unknown> {
  return {
    markdown: report.markdown,
    rows: report.runs.map((r) => ({ name: r.name, table: r.table, mean_edit_ms: Math.round(r.meanEditMs) })),
  };
}

/** `icedit eval-demo ARGS --json -q` in this process, as a user runs it; its report. */
async function evalDemoJson(args: readonly string[]): Promise<EvalDemoReport> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    errRaw: () => {},
    tty: false,
    columns: 80,
    onInterrupt: () => () => {},
  };
  const started = performance.now();
  const code = await main(["eval-demo", ...args, "--json", "-q"], io);
  if (code !== 0) throw new Error(`icedit eval-demo ${args.join(" ")} exited ${code}: ${err.join("\n")}`);
  process.stderr.write(`icedit eval-demo ${args.join(" ")}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return JSON.parse(out.at(-1) ?? "") as EvalDemoReport;
}
