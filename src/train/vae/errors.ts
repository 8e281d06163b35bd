/** Typed errors of training the VAE as an autoencoder. */
import { IceditError } from "../../errors.js";

/** A weight, image or noise tensor of a VAE training step that is missing or has the wrong shape, or bad training options. */
export class VaeTrainingError extends IceditError {}
