/**
 * trainDemoBase: full-parameter in-painting training of a model folder's transformer on captioned
 * scenes (seeds firstSeed .. firstSeed + count - 1, random masks) through train() with AdamW,
 * default lr 1e-4 (weight decay 0.01, gradient clipping 0.5 as train()'s defaults), batch 1 unless given.
 * The result's adapterPath holds the trained transformer; installBaseWeights puts it into a folder.
 */
import { train, type TrainResult } from "../../api/train.js";
import type { TrainEvent } from "../../train/loop/index.js";
import { type BaseInit, openBaseTrainingRun } from "./open-run.js";
import type { SceneLayout } from "./scene-dataset.js";

export const DEMO_BASE_LR = 1e-4;

export interface TrainDemoBaseOptions {
  /** The model folder whose transformer is trained (its VAE and text encoders encode the scenes). */
  readonly model: string;
  /** The run's folder (checkpoints, train log, adapter.safetensors). */
  readonly out: string;
  readonly steps: number;
  /** Scene side in pixels (a multiple of 16). */
  readonly size: number;
  readonly seed?: number;
  /** Scenes: firstSeed (default 0) and count (default 64). */
  readonly firstSeed?: number;
  readonly count?: number;
  readonly init?: BaseInit;
  /** Square scenes (default) or pairs side by side. */
  readonly layout?: SceneLayout;
  readonly lr?: number;
  /** Examples per step (default 1). */
  readonly batch?: number;
  readonly saveEvery?: number;
  /** Probability of training on the dropped prompt " " instead of the caption (default 0.1, as train()). */
  readonly textDropout?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
}

export function trainDemoBase(options: TrainDemoBaseOptions): Promise<TrainResult> {
  const firstSeed = options.firstSeed ?? 0;
  const count = options.count ?? 64;
  return train({
    out: options.out,
    model: options.model,
    data: [`scenes:${firstSeed}-${firstSeed + count - 1}`],
    steps: options.steps,
    size: options.size,
    seed: options.seed ?? 0,
    optimizer: "adamw",
    lr: options.lr ?? DEMO_BASE_LR,
    batch: options.batch ?? 1,
    gradAccum: 1,
    quant: "f32",
    saveEvery: options.saveEvery ?? options.steps,
    textDropout: options.textDropout,
    signal: options.signal,
    onEvent: options.onEvent,
    openRun: openBaseTrainingRun({ firstSeed, count, init: options.init, layout: options.layout }),
  });
}
