/**
 * What must hold before a run starts: usable data, a sample hook when samples are asked for, no
 * old checkpoints under a fresh run, and for a resumed run a checkpoint whose settings, data
 * position and adapter shapes fit this run.
 */
import { shapeString, type Tensor } from "../../tensor.js";
import type { LoadedCheckpoint } from "./checkpoint-read.js";
import { checkpointSteps } from "./checkpoint-write.js";
import { CheckpointError, ResumeMismatchError, TrainingDataError, TrainOptionError } from "./errors.js";
import { describeSchedule, firstScheduleDifference, type LrSchedule } from "./lr-schedule.js";
import { configDifferences, type JsonValue, type LoopSettings } from "./settings.js";
import type { AdapterParams, PreparedDataset, SampleEdit } from "./types.js";

/** The parts of a run the checks look at. */
export interface StartingRun {
  readonly out: string;
  readonly dataset: PreparedDataset;
  readonly settings: LoopSettings;
  readonly resume?: LoadedCheckpoint | null;
  readonly sampleEdit?: SampleEdit;
}

/** Refuses to start when the settings, the data or the resumed checkpoint do not fit. */
export async function checkStart(run: StartingRun, config: Record<string, JsonValue>): Promise<void> {
  const { settings, resume } = run;
  if (!(Number.isSafeInteger(run.dataset.count) && run.dataset.count >= 1)) {
    throw new TrainingDataError(`the training data has ${run.dataset.count} usable examples: it needs at least one`);
  }
  if (settings.sampleEvery !== null && !run.sampleEdit) {
    throw new TrainOptionError("sampleEvery", "cannot be used: this run has no sample edit (its openRun gave no sampleEdit)");
  }
  if (!resume) {
    if ((await checkpointSteps(run.out)).length > 0) {
      throw new CheckpointError(
        `${run.out} already holds checkpoints of a run: resume it (--resume ${run.out}) or choose another output folder`,
      );
    }
    return;
  }
  const differences = configDifferences(resume.state.config, config);
  if (differences.length > 0) {
    throw new ResumeMismatchError(
      `cannot resume from ${resume.path}: this run differs in what its numbers depend on:\n  ${differences.join("\n  ")}\n` +
        "resume with the checkpoint's settings, or start a new run in another output folder",
    );
  }
  checkResumedSchedule(resume, settings);
  if (resume.state.step > settings.steps) {
    throw new TrainOptionError(
      "steps",
      `is ${settings.steps}, but ${resume.path} is already at step ${resume.state.step}: ask for more steps`,
    );
  }
  const expected = resume.state.step * settings.batch * settings.gradAccum;
  if (resume.state.position !== expected) {
    throw new CheckpointError(
      `${resume.path} is at data position ${resume.state.position}, expected ${expected}: the checkpoint is damaged`,
    );
  }
}

/** The steps already run must keep their lr: a schedule may change only after the checkpoint. */
function checkResumedSchedule(resume: LoadedCheckpoint, settings: LoopSettings): void {
  const saved = resume.state.schedule;
  const savedSteps = saved["steps"];
  if (typeof savedSteps !== "number") return; // checkpoints always record it; nothing to compare without it
  const decay = saved["lrDecaySteps"];
  const before: LrSchedule = { steps: savedSteps, decaySteps: typeof decay === "number" ? decay : 0 };
  const now: LrSchedule = { steps: settings.steps, decaySteps: settings.lrDecaySteps };
  const differs = firstScheduleDifference(before, now, resume.state.step);
  if (differs !== null) {
    throw new ResumeMismatchError(
      `cannot resume from ${resume.path} (step ${resume.state.step}): it ran with ${describeSchedule(before)}, and with ` +
        `${describeSchedule(now)} step ${differs} would have had another lr. Choose --steps and --lr-decay-steps so that ` +
        `the decay starts after step ${resume.state.step}, or start a new run in another output folder`,
    );
  }
}

/** The checkpoint's tensors in the initial adapter's key order, after checking keys and shapes. */
export function resumedParams(initial: AdapterParams, saved: LoadedCheckpoint): Map<string, Tensor<"f32">> {
  const out = new Map<string, Tensor<"f32">>();
  for (const [key, t] of initial) {
    const s = saved.params.get(key);
    if (!s || s.dims.length !== t.dims.length || s.dims.some((d, i) => d !== t.dims[i])) {
      const has = s ? `has ${key} as ${shapeString(s.dims)}` : `lacks ${key}`;
      throw new ResumeMismatchError(
        `${saved.path} ${has}, this run's adapter has it as ${shapeString(t.dims)}: resume with the adapter settings it was trained with`,
      );
    }
    out.set(key, s);
  }
  const extra = [...saved.params.keys()].find((k) => !initial.has(k));
  if (extra)
    throw new ResumeMismatchError(`${saved.path} has ${extra}, which this run's adapter lacks: resume with the same adapter settings`);
  return out;
}
