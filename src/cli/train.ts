/** `icedit train --data PATH --out DIR --steps N`: trains an ICEdit adapter; Ctrl-C saves a checkpoint and stops. */
import { train } from "../api/train.js";
import type { TrainingRunFactory } from "../api/training-run.js";
import { TrainOptionError, type TrainEvent } from "../train/loop/index.js";
import { UsageError, type CommandIO } from "./io.js";
import { checkOutputPaths } from "./output-paths.js";
import { parseCommandOptions } from "./parse-command.js";
import { Progress, seconds } from "./progress.js";
import { flagOf, TRAIN_FLAGS, TRAIN_USAGE, trainOptionsFromFlags } from "./train-flags.js";

/** The step line: step, loss and its moving average, steps/s, ETA. */
export function stepText(e: Extract<TrainEvent, { kind: "step" }>): string {
  const rate = e.stepsPerSecond >= 1 ? `${e.stepsPerSecond.toFixed(2)} steps/s` : `${seconds(1000 / e.stepsPerSecond)}/step`;
  const lr = e.d !== null ? `d ${e.d.toExponential(2)}` : `lr ${e.lr.toExponential(2)}`;
  return (
    `step ${e.step}/${e.steps}  loss ${e.loss.toFixed(4)} (avg ${e.lossAverage.toFixed(4)})  ` +
    `grad ${e.gradNorm.toFixed(3)}  ${lr}  ${rate}  ETA ${seconds(e.etaSeconds * 1000)}`
  );
}

/** The data line: examples prepared, from the cache and encoded, and the ETA (null: not known yet). */
export function dataText(e: Extract<TrainEvent, { kind: "data" }>, etaMs: number | null): string {
  const eta = etaMs === null ? "" : `  ETA ${seconds(etaMs)}`;
  return `preparing examples ${e.done}/${e.total} (${e.cached} from the cache, ${e.encoded} encoded)${eta}`;
}

/** Shows the loop's events: a bar (or a line per step off a terminal), or JSON lines with --json. */
function showEvents(io: CommandIO, progress: Progress, json: boolean): (e: TrainEvent) => void {
  // The first data event: the ETA runs at the speed since then.
  let dataFrom: { ms: number; done: number } | null = null;
  return (e) => {
    if (json) {
      io.out(JSON.stringify(e));
      return;
    }
    if (e.kind === "data") {
      const now = performance.now();
      dataFrom ??= { ms: now, done: e.done };
      const done = e.done - dataFrom.done;
      progress.bar(e.done, e.total, dataText(e, done > 0 ? ((now - dataFrom.ms) / done) * (e.total - e.done) : null));
      return;
    }
    if (e.kind === "step") progress.bar(e.step, e.steps, stepText(e));
    else if (e.kind === "checkpoint") progress.note(`checkpoint ${e.step}: ${e.path}`);
    else if (e.kind === "sample") progress.note(`sample at step ${e.step}: ${e.path}`);
    else progress.note(e.message);
  };
}

/** The command, with the model side opened by `openRun` (default: the library's openTrainingRun). */
export function makeTrainCommand(openRun?: TrainingRunFactory): (args: readonly string[], io: CommandIO) => Promise<number> {
  return async function trainCommand(args: readonly string[], io: CommandIO): Promise<number> {
    const values = parseCommandOptions(args, TRAIN_FLAGS, TRAIN_USAGE, io);
    if (!values) return 0;
    const options = await trainOptionsFromFlags(values);
    await checkOutputPaths({ dirs: [{ option: "--out", path: options.out ?? options.resume }] });
    const json = values.json === true;
    const progress = new Progress(io, values.quiet === true);
    const controller = new AbortController();
    const removeHandler = io.onInterrupt(() => {
      if (controller.signal.aborted) return;
      controller.abort();
      progress.note("stopping after the current step (a checkpoint will be saved)...", true);
    });
    try {
      const result = await train({ ...options, openRun, signal: controller.signal, onEvent: showEvents(io, progress, json) });
      progress.finish();
      if (json) io.out(JSON.stringify({ kind: "done", ...result }));
      if (!result.completed) {
        io.err(
          result.checkpoint
            ? `icedit train: stopped at step ${result.step}; resume with icedit train --resume ${result.settings.out}`
            : "icedit train: stopped before the first step; nothing was saved",
        );
        if (!json && result.checkpoint) io.out(result.checkpoint);
        return 130;
      }
      const last = result.history.loss.length;
      progress.note(`done: ${result.step} steps, last loss ${result.history.loss[last - 1]?.toFixed(4) ?? "-"}`);
      if (!json && result.adapterPath) io.out(result.adapterPath);
      return 0;
    } catch (error) {
      progress.finish();
      if (error instanceof TrainOptionError) throw new UsageError(`${flagOf(error.option)} ${error.detail}`);
      throw error;
    } finally {
      removeHandler();
    }
  };
}
