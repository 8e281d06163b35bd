/** Errors of the demo world's scoring and rule judge. */
import { IceditError } from "../../errors.js";

/** An instruction outside the demo world's grammar (the four forms of issue 15). */
export class InstructionGrammarError extends IceditError {}

/** Images or masks that cannot be compared (sizes or kinds that do not match). */
export class ScoreInputError extends IceditError {}

/** The rule judge cannot find in the source what the instruction names. */
export class RuleJudgeError extends IceditError {}

/** An evaluation setting out of range; `option` is the library's name of it (count, firstSeed, ...). */
export class EvalDemoOptionError extends IceditError {
  constructor(
    readonly option: string,
    readonly detail: string,
  ) {
    super(`${option} ${detail}`);
  }
}

/** A scenes folder (eval-demo --scenes DIR) that cannot be read: missing, a bad edits.jsonl line, images that do not fit. */
export class ScenesFolderError extends IceditError {}
