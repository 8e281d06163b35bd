import { IceditError } from "../../errors.js";

/** Trained base weights that do not fit the model folder they are installed into. */
export class BaseWeightsError extends IceditError {}
