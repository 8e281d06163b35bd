/**
 * `train(options)`: trains a LoRA or LoRA-MoE adapter for ICEdit, or for FLUX.1 Kontext [dev] when
 * the model is Kontext (the library side of `icedit train`). Checks the options, loads the checkpoint to resume (before any model is opened), opens
 * the model, data and training step (openTrainingRun, or `options.openRun`), runs the loop, and
 * releases the model. Progress arrives through `onEvent`; `signal` stops after the current step
 * with a checkpoint.
 */
import { type LoopResult, loadLatestCheckpoint, runTrainingLoop } from "../train/loop/index.js";
import type { EditMethod } from "../components/icedit-models.js";
import { openTrainingRun } from "./training-run.js";
import { resolveTrainOptions, type TrainOptions, type TrainSettings } from "./train-options.js";

export interface TrainResult extends LoopResult {
  /** The settings the run used (defaults and the checkpoint's filled in). */
  readonly settings: TrainSettings;
  /** The editing method the adapter was trained for: the model's (FLUX.1 Fill: icedit; Kontext [dev]: kontext). */
  readonly method: EditMethod;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const note = (message: string): void => options.onEvent?.({ kind: "note", message });
  // Checked twice on resume: first the options alone (so a bad value fails before any file is read), then with the checkpoint's defaults.
  if (!options.resume) resolveTrainOptions(options, null);
  const resume = options.resume ? await loadLatestCheckpoint(options.resume, note) : null;
  const settings = resolveTrainOptions(options, resume?.state ?? null);
  const open = options.openRun ?? openTrainingRun;
  const run = await open({
    model: settings.model,
    data: settings.data,
    adapter: settings.adapter,
    size: settings.size,
    quant: settings.quant,
    checkpointing: settings.checkpointing,
    seed: settings.loop.seed,
    signal: options.signal,
    onEvent: options.onEvent,
  });
  try {
    const { initAdapter, ...adapterShape } = settings.adapter;
    const result = await runTrainingLoop({
      out: settings.out,
      dataset: run.dataset,
      lossAndGrads: run.lossAndGrads,
      initialParams: run.initialParams,
      adapterMetadata: run.adapterMetadata,
      settings: settings.loop,
      runConfig: {
        adapter: adapterShape,
        size: settings.size,
        quant: settings.quant,
        modelFingerprint: run.fingerprint.model,
        dataFingerprint: run.fingerprint.data,
      },
      runSchedule: {
        model: settings.model,
        data: [...settings.data],
        initAdapter,
        keepCheckpoints: settings.loop.keepCheckpoints,
        sampleEvery: settings.loop.sampleEvery,
        sampleInstruction: settings.loop.sampleInstruction,
      },
      resume,
      sampleEdit: run.sampleEdit,
      signal: options.signal,
      onEvent: options.onEvent,
    });
    return { ...result, settings, method: run.method ?? "icedit" };
  } finally {
    await run.release();
  }
}
