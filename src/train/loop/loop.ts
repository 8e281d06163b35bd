/**
 * The training loop: optimizer steps from the run's step (0, or a checkpoint's) up to `steps`,
 * each from the averaged gradients of its micro-batches, clipped by total norm; a log line per
 * step, a checkpoint every `saveEvery` steps and at the end, the loss plot with every checkpoint,
 * the final adapter at <out>/adapter.safetensors. An abort stops after the current step and saves.
 * Everything random is a function of (seed, step), so a resumed run ends with the same bytes.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeImage } from "../../image/write.js";
import type { Tensor } from "../../tensor.js";
import { writeSafetensors } from "../../weights/safetensors/writer.js";
import { inStoredDtype } from "../../weights/stored-dtype.js";
import { clipGradNorm, createOptimizer, flattenOptimizerState, type Optimizer, optimizerFromState } from "../optim/index.js";
import type { LoadedCheckpoint } from "./checkpoint-read.js";
import { ADAPTER_FILE, LOG_FILE, PLOT_FILE, SAMPLES_DIR } from "./checkpoint-paths.js";
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type LossHistory } from "./checkpoint-state.js";
import { pruneCheckpoints, removePartialCheckpoints, writeCheckpoint } from "./checkpoint-write.js";
import { checkStart, resumedParams } from "./start-checks.js";
import { DataCursor } from "./data-order.js";
import { NonFiniteTrainingError } from "./errors.js";
import type { TrainEvent } from "./events.js";
import { averageUpTo, movingAverage } from "./loss-average.js";
import { lrScale } from "./lr-schedule.js";
import { writeLossPlot } from "./loss-plot.js";
import { type JsonValue, type LoopSettings, checkLoopSettings, numericSettings } from "./settings.js";
import { stepGradients } from "./step-gradients.js";
import { TrainLog } from "./train-log.js";
import type { AdapterParams, LossAndGrads, PreparedDataset, SampleEdit } from "./types.js";

export interface LoopRun {
  /** The output folder: checkpoints, log, plot, samples, final adapter. */
  readonly out: string;
  readonly dataset: PreparedDataset;
  readonly lossAndGrads: LossAndGrads;
  /** The adapter before training, in the adapter file's key layout (ignored when resuming, but its keys and shapes must match). */
  readonly initialParams: AdapterParams;
  /** __metadata__ of every adapter file written (so icedit edit and ICEdit's loader read it). */
  readonly adapterMetadata: Readonly<Record<string, string>>;
  readonly settings: LoopSettings;
  /** What else the run's numbers depend on (model, data, adapter settings): stored, and compared on resume. */
  readonly runConfig: Readonly<Record<string, JsonValue>>;
  /** Settings that do not change the numbers (data paths, model name, ...): stored as a resumed run's defaults. */
  readonly runSchedule?: Readonly<Record<string, JsonValue>>;
  readonly resume?: LoadedCheckpoint | null;
  readonly sampleEdit?: SampleEdit;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
}

export interface LoopResult {
  /** Steps done (all of them unless aborted). */
  readonly step: number;
  readonly completed: boolean;
  /** <out>/adapter.safetensors when completed, else null. */
  readonly adapterPath: string | null;
  /** The newest checkpoint written or resumed from. */
  readonly checkpoint: string | null;
  readonly history: LossHistory;
}

const dimsRecord = (params: AdapterParams): Record<string, number[]> => Object.fromEntries([...params].map(([k, t]) => [k, [...t.dims]]));

const copyParams = (p: AdapterParams): Map<string, Tensor<"f32">> =>
  new Map([...p].map(([k, t]) => [k, { dtype: "f32", dims: [...t.dims], data: t.data.slice() }]));

/** The lr the step ran at (the optimizer's times the schedule's scale), and Prodigy's d. */
function stepSize(optimizer: Optimizer, scale: number): { lr: number; d: number | null } {
  const lr = optimizer.options.lr * scale;
  return optimizer.kind === "prodigy" ? { lr, d: optimizer.d } : { lr, d: null };
}

/** Runs the loop; resolves when done or aborted, rejects with a typed error (the last good checkpoint stays). */
export async function runTrainingLoop(run: LoopRun): Promise<LoopResult> {
  const settings = checkLoopSettings(run.settings);
  const config = { ...numericSettings(settings), ...run.runConfig };
  const emit = run.onEvent ?? (() => undefined);
  await mkdir(run.out, { recursive: true });
  await removePartialCheckpoints(run.out);
  await checkStart(run, config);
  const resume = run.resume ?? null;
  const params = resume ? resumedParams(run.initialParams, resume) : copyParams(run.initialParams);
  const optimizer = resume
    ? optimizerFromState(params, resume.optimizer)
    : createOptimizer(settings.optimizer.kind, params, settings.optimizer.settings);
  let step = resume?.state.step ?? 0;
  const cursor = new DataCursor(settings.seed, run.dataset.count, resume?.state.position ?? 0);
  const history: LossHistory = { loss: [...(resume?.state.history.loss ?? [])], gradNorm: [...(resume?.state.history.gradNorm ?? [])] };
  let checkpoint = resume?.path ?? null;
  let savedStep = step;
  if (resume) emit({ kind: "note", message: `resuming from ${resume.path} (step ${step} of ${settings.steps})` });
  const series = () => ({ loss: history.loss, average: movingAverage(history.loss), firstStep: 1 });
  const save = async (): Promise<void> => {
    const state = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      step,
      epoch: cursor.epoch,
      position: cursor.position,
      config,
      schedule: {
        ...run.runSchedule,
        steps: settings.steps,
        lrDecaySteps: settings.lrDecaySteps,
        saveEvery: settings.saveEvery,
        adapterDtype: settings.adapterDtype,
      },
      adapter: dimsRecord(params),
      history,
    } as const;
    checkpoint = await writeCheckpoint(run.out, {
      params,
      adapterMetadata: run.adapterMetadata,
      optimizer: flattenOptimizerState(optimizer.state()),
      state,
    });
    savedStep = step;
    await pruneCheckpoints(run.out, settings.keepCheckpoints);
    if (history.loss.length > 0) await writeLossPlot(join(run.out, PLOT_FILE), series());
    emit({ kind: "checkpoint", step, path: checkpoint });
  };

  const log = await TrainLog.open(join(run.out, LOG_FILE), step);
  const started = performance.now();
  const firstStep = step;
  try {
    while (step < settings.steps && !run.signal?.aborted) {
      const stepStart = performance.now();
      const next = step + 1;
      const context = { ...settings, dataset: run.dataset, lossAndGrads: run.lossAndGrads, params, cursor, lastCheckpoint: checkpoint };
      const { loss, grads, t } = await stepGradients(context, next);
      const gradNorm = clipGradNorm(grads, settings.clip);
      if (!Number.isFinite(gradNorm)) throw new NonFiniteTrainingError(next, `the gradient norm is ${gradNorm}`, checkpoint);
      const scale = lrScale({ steps: settings.steps, decaySteps: settings.lrDecaySteps }, next);
      optimizer.step(grads, scale);
      step = next;
      history.loss.push(loss);
      history.gradNorm.push(gradNorm);
      const lossAverage = averageUpTo(history.loss, history.loss.length);
      const epoch = Math.floor((cursor.position - 1) / cursor.count);
      const { lr, d } = stepSize(optimizer, scale);
      const now = performance.now();
      await log.append({
        step,
        epoch,
        loss,
        loss_avg: lossAverage,
        grad_norm: gradNorm,
        lr,
        d,
        t,
        seconds: (now - stepStart) / 1000,
        time: new Date().toISOString(),
      });
      const stepsPerSecond = (step - firstStep) / Math.max(1e-9, (now - started) / 1000);
      const etaSeconds = (settings.steps - step) / stepsPerSecond;
      emit({
        kind: "step",
        step,
        steps: settings.steps,
        epoch,
        loss,
        lossAverage,
        gradNorm,
        lr,
        d,
        stepsPerSecond,
        etaSeconds,
      });
      if (step % settings.saveEvery === 0 || step === settings.steps) await save();
      if (settings.sampleEvery !== null && run.sampleEdit && step % settings.sampleEvery === 0) {
        const image = await run.sampleEdit(params, { instruction: settings.sampleInstruction ?? "", step });
        await mkdir(join(run.out, SAMPLES_DIR), { recursive: true });
        const path = join(run.out, SAMPLES_DIR, `step-${step}.png`);
        await writeImage(path, image);
        emit({ kind: "sample", step, path });
      }
    }
  } finally {
    await log.close();
  }
  if (step > savedStep) await save();
  const completed = step >= settings.steps;
  let adapterPath: string | null = null;
  if (completed) {
    adapterPath = join(run.out, ADAPTER_FILE);
    await writeSafetensors(adapterPath, inStoredDtype(params, settings.adapterDtype), { ...run.adapterMetadata });
    if (history.loss.length > 0) await writeLossPlot(join(run.out, PLOT_FILE), series());
  }
  return { step, completed, adapterPath, checkpoint, history };
}
