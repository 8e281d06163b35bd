/** What a command may do with the outside world: print lines. Tests pass their own. */
import { IceditError } from "../errors.js";

export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const processIO: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** The command line was wrong: the message says how to use it. */
export class UsageError extends IceditError {}
