/** Errors of the fill pipeline. */
import { IceditError, InvalidArgumentError } from "../../errors.js";

/** The image or mask cannot be used as given (sizes, channels). */
export class FillInputError extends InvalidArgumentError {}

/** A denoising step produced NaN or infinite values: stopping beats writing a black image. */
export class NonFiniteLatentError extends IceditError {
  constructor(
    readonly step: number,
    readonly steps: number,
    what: string,
  ) {
    super(
      `denoising step ${step} of ${steps} produced ${what} in the latents; the result would be a black or noisy image. ` +
        "Check the weights (a corrupt or wrongly converted checkpoint), or try float32 instead of a reduced precision",
    );
  }
}

/** The caller's AbortSignal fired; the pipeline stopped between steps. */
export class CancelledError extends IceditError {
  constructor(
    readonly step: number,
    readonly steps: number,
  ) {
    super(`cancelled after step ${step} of ${steps}`);
  }
}
