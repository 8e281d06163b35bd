/** Errors about finding models: not cached, not downloadable, gated, or incomplete folders. */
import { IceditError } from "../../errors.js";

export class ModelNotFoundError extends IceditError {
  constructor(
    readonly spec: string,
    readonly looked: readonly string[],
    why: string,
    what = "model",
  ) {
    super(`${what} ${spec} not found: ${why}\nlooked in:\n${looked.map((p) => `  ${p}`).join("\n")}`);
  }
}

/** The hub refused the download: gated repo without access, bad token, or no such repo. */
export class HubAccessError extends IceditError {}

/** A model folder lacks a component (transformer, vae, text encoders, tokenizers) or its config. */
export class ModelFolderError extends IceditError {
  constructor(
    readonly folder: string,
    readonly component: string,
    problem: string,
  ) {
    super(`model folder ${folder}: ${component}: ${problem}`);
  }
}
