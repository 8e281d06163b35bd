/** Typed errors of the training loop: each says what was wrong and what to do. */
import { IceditError } from "../../errors.js";

/** The root of the training loop's errors. */
export class TrainingError extends IceditError {}

/**
 * A setting of the run is out of range: `option` names it as the library spells it (camelCase),
 * `detail` says what it takes; the command line prints the detail after its own flag name.
 */
export class TrainOptionError extends TrainingError {
  constructor(
    readonly option: string,
    readonly detail: string,
  ) {
    super(`${option} ${detail}`);
  }
}

/** The loss or the gradient norm became NaN or infinite at `step`; the last good checkpoint is kept. */
export class NonFiniteTrainingError extends TrainingError {
  constructor(
    readonly step: number,
    readonly what: string,
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `training diverged at step ${step}: ${what}. ` +
        (lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint}; ` : "No checkpoint was written yet; ") +
        "lower the learning rate (or --clip) and resume, or check the data",
    );
  }
}

/** The examples of a micro-batch cannot be stacked (different sizes), or the data set is unusable. */
export class TrainingDataError extends TrainingError {}

/** A checkpoint cannot be written, or one that was asked for cannot be read. */
export class CheckpointError extends TrainingError {}

/** A resumed run differs from the checkpoint's in something that changes its numbers. */
export class ResumeMismatchError extends TrainingError {}
