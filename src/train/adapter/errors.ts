/** Typed errors of trainable adapters. */
import { IceditError } from "../../errors.js";

/** An adapter that cannot be trained as it is (a LoRA bias, a module the model lacks, bad sizes). */
export class TrainableAdapterError extends IceditError {}
