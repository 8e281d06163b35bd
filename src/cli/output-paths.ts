/**
 * Checks every path a command will write before any work (before the model loads): the parent
 * directory exists, is a directory and is writable; the path is not a directory; no two outputs
 * are the same file, and no output is an input. Paths are compared by their real paths (symlinks
 * resolved) and, for files that exist, by device and inode (hard links).
 */
import { constants, type Stats } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { IceditError } from "../errors.js";

/** An output or input path could not be used; nothing was computed or written. */
export class OutputPathError extends IceditError {
  constructor(
    readonly option: string,
    readonly path: string,
    problem: string,
  ) {
    super(`${option} ${path}: ${problem}`);
  }
}

export interface NamedPath {
  /** The option that gave the path, as the user typed it (`-o`, `--json`, `--image`). */
  readonly option: string;
  /** The path, or undefined when the option was not given (then it is skipped). */
  readonly path: string | undefined;
}

export interface PathsToCheck {
  /** Files the command will write (each atomically: a temporary file beside it, then a rename). */
  readonly files?: readonly NamedPath[];
  /** Directories the command will create if needed and write into (a cache). */
  readonly dirs?: readonly NamedPath[];
  /** Files the command reads: no output may be one of them. */
  readonly inputs?: readonly NamedPath[];
}

interface Resolved {
  readonly option: string;
  readonly path: string;
  /** The real path (symlinks resolved) the write would land on. */
  readonly real: string;
  readonly stats: Stats | null;
}

export async function checkOutputPaths(paths: PathsToCheck): Promise<void> {
  const given = (list: readonly NamedPath[] | undefined): { option: string; path: string }[] =>
    (list ?? []).flatMap((p) => (p.path === undefined ? [] : [{ option: p.option, path: p.path }]));
  const outputs: Resolved[] = [];
  for (const file of given(paths.files)) outputs.push(await checkOutputFile(file.option, file.path));
  for (const dir of given(paths.dirs)) await checkOutputDir(dir.option, dir.path);
  for (let i = 0; i < outputs.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [outputs[j] as Resolved, outputs[i] as Resolved];
      if (sameFile(a, b)) {
        throw new OutputPathError(
          b.option,
          b.path,
          `is the same file as ${a.option} ${a.path}: one would overwrite the other; give them different paths`,
        );
      }
    }
  }
  for (const input of given(paths.inputs)) {
    const found = await existing(resolve(input.path));
    if (!found) continue; // reading it reports a missing input with its own message
    for (const out of outputs) {
      if (sameFile(out, found)) {
        const problem = `is the input ${input.option} ${input.path}: writing it would overwrite your input; choose another output path`;
        throw new OutputPathError(out.option, out.path, problem);
      }
    }
  }
}

async function checkOutputFile(option: string, path: string): Promise<Resolved> {
  const full = resolve(path);
  const found = await existing(full);
  if (found?.stats?.isDirectory()) {
    throw new OutputPathError(
      option,
      path,
      `is a directory: give a file name, e.g. ${join(path, option === "--json" ? "record.json" : "edited.png")}`,
    );
  }
  const parent = await checkWritableDir(option, path, dirname(found?.real ?? full));
  return found ? { ...found, option, path } : { option, path, real: join(parent, basename(full)), stats: null };
}

/** A directory the command creates (mkdir -p) and writes into: it, or its nearest existing parent, must be a writable directory. */
async function checkOutputDir(option: string, path: string): Promise<void> {
  let dir = resolve(path);
  for (;;) {
    const found = await existing(dir);
    if (found) {
      if (!found.stats?.isDirectory()) throw new OutputPathError(option, path, `${dir} is not a directory: give a directory path`);
      await checkWritableDir(option, path, found.real);
      return;
    }
    if (dirname(dir) === dir) return;
    dir = dirname(dir);
  }
}

/** Checks that `dir` (the parent of an output) exists, is a directory and is writable; returns its real path. */
async function checkWritableDir(option: string, path: string, dir: string): Promise<string> {
  const found = await existing(dir);
  if (!found)
    throw new OutputPathError(
      option,
      path,
      `the directory ${dir} does not exist: create it first (mkdir -p ${dir}) or write somewhere else`,
    );
  if (!found.stats?.isDirectory()) throw new OutputPathError(option, path, `${dir} is not a directory: write somewhere else`);
  try {
    await access(found.real, constants.W_OK | constants.X_OK);
  } catch {
    throw new OutputPathError(option, path, `the directory ${dir} is not writable: choose a directory you can write to`);
  }
  return found.real;
}

/** The path's real path and stats, or null when it does not exist. Other errors (EACCES, ELOOP) name the path. */
async function existing(path: string): Promise<Resolved | null> {
  try {
    const real = await realpath(path);
    return { option: "", path, real, stats: await stat(real) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new OutputPathError("path", path, `cannot be checked: ${(error as Error).message}`);
  }
}

function sameFile(a: Resolved, b: Resolved): boolean {
  if (a.real === b.real) return true;
  return a.stats !== null && b.stats !== null && a.stats.dev === b.stats.dev && a.stats.ino === b.stats.ino;
}
