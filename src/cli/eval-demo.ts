/**
 * `icedit eval-demo --model DIR`: held-out edits of the demo world (or, with --scenes DIR, a folder's
 * triplets), each scored by the pixel rule; prints the accuracy table.
 */
import { resolve } from "node:path";
import { readModelSettings } from "../api/model-settings.js";
import { CancelledError } from "../index.js";
import { evalDemo, type EvalDemoResult } from "../demo/eval/eval-demo.js";
import { evalDemoReport, timingLines, writeEditedImage, writeExampleImages, writeReport } from "../demo/eval/eval-report.js";
import { EvalDemoOptionError } from "../demo/eval/errors.js";
import { heldOutExamples } from "../demo/eval/held-out.js";
import { readScenesFolder } from "../demo/eval/scenes-folder.js";
import { EVAL_DEMO_FLAGS, EVAL_DEMO_USAGE, evalDemoFlags, type EvalDemoValues } from "./eval-demo-flags.js";
import { UsageError, type CommandIO } from "./io.js";
import { sessionOptions } from "./model-options.js";
import { checkOutputPaths } from "./output-paths.js";
import { parseCommandOptions } from "./parse-command.js";
import { Progress } from "./progress.js";
import { flagOf } from "./train-flags.js";

export async function evalDemoCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const values = parseCommandOptions(args, EVAL_DEMO_FLAGS, EVAL_DEMO_USAGE, io);
  if (!values) return 0;
  try {
    return await evaluate(values, io);
  } catch (error) {
    if (error instanceof EvalDemoOptionError) throw new UsageError(`${flagOf(error.option)} ${error.detail}`);
    throw error;
  }
}

async function evaluate(values: EvalDemoValues, io: CommandIO): Promise<number> {
  const modelDefaults = values.model === undefined ? {} : (await readModelSettings(resolve(values.model))).edit;
  const folder = values.scenes === undefined || values.model === undefined ? undefined : await readScenesFolder(values.scenes);
  const flags = evalDemoFlags(values, modelDefaults, folder && { dir: folder.dir, size: folder.size, count: folder.examples.length });
  const json = values.json === true;
  const progress = new Progress(io, values.quiet === true);
  const open = sessionOptions(
    values,
    (component) => progress.stage(`loading ${component}`),
    (line) => progress.note(line),
  );
  const out = values.out === undefined ? undefined : resolve(values.out);
  await checkOutputPaths({ dirs: [{ option: "--out", path: out }] });
  const examples = folder ? folder.examples.slice(0, flags.count) : heldOutExamples({ ...flags, firstSeed: flags.firstSeed ?? undefined });
  if (out !== undefined) await writeExampleImages(out, examples);

  const controller = new AbortController();
  const removeHandler = io.onInterrupt(() => {
    if (controller.signal.aborted) return;
    controller.abort();
    progress.note("stopping after the current step...", true);
  });
  let passed = 0;
  let results: EvalDemoResult[];
  try {
    results = await evalDemo({
      examples,
      runs: flags.runs,
      open,
      edit: {
        seed: flags.seed,
        steps: flags.steps,
        guidance: flags.guidance,
        trueCfgScale: flags.trueCfgScale,
        width: flags.width,
        cache: flags.cache,
      },
      signal: controller.signal,
      onRun: (run) => {
        passed = 0;
        progress.stage(`${run.label}: opening ${flags.model}`);
      },
      onOpen: (_run, _model, adapters) => {
        for (const adapter of adapters) progress.note(`adapter ${adapter}`);
      },
      onEdit: async (run, edit, edited, done, total) => {
        if (edit.score.passed) passed++;
        if (out !== undefined) await writeEditedImage(out, run.name, edit.index, edited);
        progress.bar(done, total, `${run.name} ${done}/${total}: ${passed} passed (${edit.kind}: ${edit.score.passed ? "pass" : "fail"})`);
      },
    });
  } catch (error) {
    progress.finish();
    if (controller.signal.aborted || error instanceof CancelledError) {
      io.err("icedit eval-demo: stopped; no table was printed");
      return 130;
    }
    throw error;
  } finally {
    removeHandler();
  }
  progress.finish();
  const report = evalDemoReport(
    {
      model: flags.model,
      count: flags.count,
      firstSeed: flags.firstSeed,
      scenes: flags.scenes,
      size: flags.size,
      width: flags.width,
      steps: flags.steps,
      seed: flags.seed,
      trueCfgScale: flags.trueCfgScale,
    },
    results,
  );
  if (out !== undefined) await writeReport(out, report);
  if (json) {
    io.out(JSON.stringify(report));
    return 0;
  }
  io.out(report.markdown.trimEnd());
  if (values.quiet !== true) for (const line of timingLines(report)) io.out(line);
  return 0;
}
