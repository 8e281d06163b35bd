/** Typed errors of the optimizer layer: each says what was wrong and what to do. */
import { IceditError } from "../../errors.js";

/** The root of the optimizer errors. */
export class OptimizerError extends IceditError {}

/** The gradients do not name or shape the same tensors as the parameters. */
export class GradientMismatchError extends OptimizerError {}

/** A gradient holds NaN or an infinity; `tensor` names it. */
export class NonFiniteGradientError extends OptimizerError {
  constructor(
    readonly tensor: string,
    readonly index: number,
    readonly value: number,
  ) {
    super(
      `gradient of ${tensor} is not finite (${value} at flat index ${index}): the loss diverged; lower the learning rate or check the inputs`,
    );
  }
}

/** A hyper-parameter is outside the range the optimizer accepts. */
export class HyperParameterError extends OptimizerError {}

/** A saved optimizer state does not fit the optimizer or the parameters it is loaded for. */
export class OptimizerStateError extends OptimizerError {}
