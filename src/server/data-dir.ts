/**
 * The server's data dir: the job database, the uploaded inputs and the results. Every file name
 * is made from a server-made job id and a fixed extension: nothing a client sends becomes a path.
 *
 *   <dir>/jobs.db (+ -wal, -shm)   job records
 *   <dir>/inputs/<id>.<ext>        uploads as sent (ext from the sniffed format)
 *   <dir>/results/<id>.png         edited images
 *   <dir>/results/<id>.candidates.png   noise selection: the candidates' previews, winner framed
 *   <dir>/results/<id>.json        the finished job's record, so that a lost jobs.db loses no result
 *   <dir>/embeddings/              text-embedding cache of the model session
 *   <dir>/server.pid               the process that owns the dir
 *
 * Nothing here deletes a file it cannot prove is debris: the temporary files of interrupted
 * atomic writes, and the files of jobs that the store says were removed (removed_jobs).
 */
import { mkdirSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { IceditError } from "../errors.js";
import { isAtomicWriteTemp, writeFileAtomic } from "../image/atomic-write.js";
import { fsReason } from "../image/fs-reason.js";
import { isJobId } from "./ids.js";
import { createPidFile, holdsDataDir, readPidFile, removePidFile, type PidRecord } from "./pid-file.js";
import type { AdoptedJob } from "./store.js";

/** What a start-up sweep did and found. */
export interface SweepReport {
  /** Files removed: temporary files of interrupted writes, files of removed jobs. */
  readonly removed: number;
  /** Ids that have files here but no record and no removal note: kept, never deleted. */
  readonly unknown: readonly string[];
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  png: "png",
  jpeg: "jpg",
  webp: "webp",
  gif: "gif",
  tiff: "tiff",
  heif: "heif",
};

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  tiff: "image/tiff",
  heif: "image/heif",
};

export class DataDirError extends IceditError {}

export class DataDir {
  readonly root: string;
  readonly database: string;
  readonly embeddings: string;
  private readonly inputs: string;
  private readonly results: string;
  private readonly pidFile: string;
  private owner: PidRecord | undefined;

  constructor(root: string) {
    this.root = resolve(root);
    this.database = join(this.root, "jobs.db");
    this.embeddings = join(this.root, "embeddings");
    this.inputs = join(this.root, "inputs");
    this.results = join(this.root, "results");
    this.pidFile = join(this.root, "server.pid");
    try {
      for (const dir of [this.root, this.inputs, this.results]) mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new DataDirError(`cannot use the data dir ${this.root}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Takes the dir for this process: a second server on the same dir would count the first one's
   * running job as interrupted. A pid file left by a process that died (kill -9) is taken over.
   */
  lock(): void {
    const identity = realRoot(this.root);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.owner = createPidFile(this.pidFile, identity);
      } catch (error) {
        throw new DataDirError(
          `cannot write ${this.pidFile} (${fsReason(error)}): give this user write access to the data dir, or choose another --data-dir`,
          {
            cause: error,
          },
        );
      }
      if (this.owner) return;
      const holder = readPidFile(this.pidFile);
      if (holder && holdsDataDir(holder, identity)) {
        throw new DataDirError(
          `another icedit server (pid ${holder.pid}) uses the data dir ${this.root}; stop it or choose another --data-dir`,
        );
      }
      try {
        rmSync(this.pidFile, { force: true });
      } catch (error) {
        throw new DataDirError(`cannot remove the stale ${this.pidFile} (${fsReason(error)}): remove it by hand, then start again`, {
          cause: error,
        });
      }
    }
    throw new DataDirError(`cannot take the data dir ${this.root}: ${this.pidFile} keeps coming back`);
  }

  unlock(): void {
    if (this.owner) removePidFile(this.pidFile, this.owner);
    this.owner = undefined;
  }

  inputPath(id: string, format: string): string {
    return join(this.inputs, `${checkedId(id)}.${EXTENSIONS[format] ?? "bin"}`);
  }

  resultPath(id: string): string {
    return join(this.results, `${checkedId(id)}.png`);
  }

  candidatesPath(id: string): string {
    return join(this.results, `${checkedId(id)}.candidates.png`);
  }

  async writeInput(id: string, format: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.inputPath(id, format), bytes);
  }

  async readInput(id: string, format: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.inputPath(id, format)));
  }

  async removeInput(id: string, format: string): Promise<void> {
    await rm(this.inputPath(id, format), { force: true });
  }

  async writeResult(id: string, png: Uint8Array): Promise<void> {
    await writeFileAtomic(this.resultPath(id), png);
  }

  async writeCandidates(id: string, png: Uint8Array): Promise<void> {
    await writeFileAtomic(this.candidatesPath(id), png);
  }

  /** The finished job's record beside its result: what re-lists it if jobs.db is lost. */
  async writeResultRecord(job: AdoptedJob): Promise<void> {
    await writeFileAtomic(this.resultRecordPath(job.id), new TextEncoder().encode(`${JSON.stringify(job)}\n`));
  }

  /** The record beside a result (undefined: none, or not readable as one). */
  async readResultRecord(id: string): Promise<AdoptedJob | undefined> {
    try {
      const job = JSON.parse(await readFile(this.resultRecordPath(id), "utf8")) as AdoptedJob;
      const valid =
        job.id === id && typeof job.params === "object" && typeof job.input === "object" && typeof job.input?.format === "string";
      return valid ? job : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes a removed job's files, its record first (so that a crash never leaves a record without its result). */
  async removeJobFiles(id: string, inputFormat: string): Promise<void> {
    for (const path of [this.resultRecordPath(id), this.candidatesPath(id), this.resultPath(id), this.inputPath(id, inputFormat)]) {
      await rm(path, { force: true });
    }
  }

  hasResult(id: string): boolean {
    return isFile(this.resultPath(id));
  }

  hasCandidates(id: string): boolean {
    return isFile(this.candidatesPath(id));
  }

  private resultRecordPath(id: string): string {
    return join(this.results, `${checkedId(id)}.json`);
  }

  /**
   * Removes what is provably debris: temporary files of interrupted atomic writes (one process
   * owns the dir, so none is being written) and the files of `removed` jobs. Files of ids the
   * store does not know are kept and reported: jobs.db may have been lost or replaced by an older
   * copy, and an upload whose record was never committed is small and harmless.
   */
  sweep(known: ReadonlySet<string>, removed: ReadonlySet<string>): SweepReport {
    let count = 0;
    const unknown = new Set<string>();
    for (const dir of [this.inputs, this.results]) {
      for (const name of readdirSync(dir)) {
        const id = name.split(".")[0] ?? "";
        if (isAtomicWriteTemp(name) || (isJobId(id) && removed.has(id))) {
          rmSync(join(dir, name), { force: true });
          count++;
        } else if (isJobId(id) && !known.has(id)) {
          unknown.add(id);
        }
      }
    }
    return { removed: count, unknown: [...unknown] };
  }
}

function checkedId(id: string): string {
  if (!isJobId(id)) throw new DataDirError(`not a job id: ${JSON.stringify(id)}`);
  return id;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return root;
  }
}
