/** Runs the training loop on the fakes, in a folder, as a test or the kill test's child process does. */
import {
  ICEDIT_TIME_DISTRIBUTION,
  type LoopResult,
  type LoopSettings,
  loadLatestCheckpoint,
  runTrainingLoop,
  type TrainEvent,
} from "../../../src/train/loop/index.js";
import { fakeDataset, fakeParams, fakeStep, type FakeStep } from "./fakes.js";

export const FAKE_SETTINGS: LoopSettings = {
  seed: 666,
  batch: 2,
  gradAccum: 2,
  clip: 0.5,
  textDropout: 0.3,
  time: ICEDIT_TIME_DISTRIBUTION,
  steps: 6,
  lrDecaySteps: 0,
  saveEvery: 2,
  keepCheckpoints: 2,
  sampleEvery: null,
  sampleInstruction: null,
  optimizer: { kind: "adamw", settings: { lr: 0.05, weight_decay: 0.01 } },
  adapterDtype: "f32",
};

export interface FakeRun {
  readonly settings?: Partial<LoopSettings>;
  readonly resume?: boolean;
  readonly step?: FakeStep;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: TrainEvent) => void;
  readonly runConfig?: Record<string, string>;
}

export async function runFake(out: string, run: FakeRun = {}): Promise<LoopResult> {
  const step = run.step ?? fakeStep();
  return runTrainingLoop({
    out,
    dataset: fakeDataset(),
    lossAndGrads: step.lossAndGrads,
    initialParams: fakeParams(),
    adapterMetadata: { format: "pt" },
    settings: { ...FAKE_SETTINGS, ...run.settings },
    runConfig: run.runConfig ?? { model: "fake-model", data: "fake-data" },
    resume: run.resume ? await loadLatestCheckpoint(out) : null,
    signal: run.signal,
    onEvent: run.onEvent,
  });
}
