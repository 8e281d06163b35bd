/** What a command may do with the outside world. Tests pass their own. */
import { IceditError } from "../errors.js";

export interface CommandIO {
  /** A line on standard output (results: paths, JSON). */
  readonly out: (line: string) => void;
  /** A line on standard error (progress, warnings, errors). */
  readonly err: (line: string) => void;
  /** Raw text on standard error, for a redrawn progress bar (only used when `tty`). */
  readonly errRaw: (text: string) => void;
  /** Whether standard error is a terminal (progress bar) or not (plain lines). */
  readonly tty: boolean;
  /** Width of the terminal, for the progress bar. */
  readonly columns: number;
  /** Registers a Ctrl-C handler; returns a function that removes it. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

export const processIO: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  errRaw: (text) => process.stderr.write(text),
  tty: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns ?? 80,
  onInterrupt: (handler) => {
    process.on("SIGINT", handler);
    return () => process.off("SIGINT", handler);
  },
};

/** The command line was wrong: the message says how to use it. */
export class UsageError extends IceditError {}
