/** What the training loop reports while it runs (one callback per run, no globals). */
import type { PrepareProgress } from "../data/prepare-examples.js";

export interface TrainStepEvent {
  readonly kind: "step";
  readonly step: number;
  readonly steps: number;
  /** The epoch (0-based) of the step's last example. */
  readonly epoch: number;
  readonly loss: number;
  readonly lossAverage: number;
  /** Total gradient norm before clipping. */
  readonly gradNorm: number;
  readonly lr: number;
  /** Prodigy's d (null for AdamW). */
  readonly d: number | null;
  /** Steps per second in this process since it started training. */
  readonly stepsPerSecond: number;
  /** Seconds left at that speed. */
  readonly etaSeconds: number;
}

export interface TrainCheckpointEvent {
  readonly kind: "checkpoint";
  readonly step: number;
  readonly path: string;
}

export interface TrainSampleEvent {
  readonly kind: "sample";
  readonly step: number;
  readonly path: string;
}

/**
 * Preparing the data set before the first step (each example encoded, or read from the cache):
 * after every 1% of it and after the last.
 */
export interface TrainDataEvent extends Omit<PrepareProgress, "skipped"> {
  readonly kind: "data";
}

/** A line for the user (resumed from, skipped a damaged checkpoint, ...). */
export interface TrainNoteEvent {
  readonly kind: "note";
  readonly message: string;
}

export type TrainEvent = TrainStepEvent | TrainCheckpointEvent | TrainSampleEvent | TrainDataEvent | TrainNoteEvent;
