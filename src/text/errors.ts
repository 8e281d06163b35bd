/**
 * Typed errors for tokenizer folders and files. Each message names the folder or file, says what
 * is wrong and what to do about it.
 */
import { IceditError } from "../errors.js";

/** A tokenizer folder lacks the files a tokenizer can be built from (or does not exist). */
export class TokenizerFilesError extends IceditError {
  constructor(
    readonly dir: string,
    readonly kind: "clip" | "t5",
    /** The alternatives looked for, each a list of files that together make a tokenizer. */
    readonly lookedFor: readonly (readonly string[])[],
    problem: string,
  ) {
    const alternatives = lookedFor.map((files) => files.join(" + ")).join(", or ");
    const folder = kind === "clip" ? "tokenizer/" : "tokenizer_2/";
    super(
      `${dir}: ${problem}; looked for ${alternatives}. ` +
        `Point at the model's ${folder} folder (diffusers layout of FLUX.1 Fill) or re-download it`,
    );
  }
}

/** A tokenizer file exists but its content cannot be used (bad JSON, missing token, wrong model type). */
export class TokenizerFormatError extends IceditError {
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
  }
}
