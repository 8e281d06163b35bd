/** Typed errors of full-parameter (base model) training. */
import { IceditError } from "../../errors.js";

/** A weight or input of a base training step that is missing or has the wrong shape. */
export class BaseTrainingError extends IceditError {}
