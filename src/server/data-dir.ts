/**
 * The server's data dir: the job database, the uploaded inputs and the results. Every file name
 * is made from a server-made job id and a fixed extension: nothing a client sends becomes a path.
 *
 *   <dir>/jobs.db (+ -wal, -shm)   job records
 *   <dir>/inputs/<id>.<ext>        uploads as sent (ext from the sniffed format)
 *   <dir>/results/<id>.png         edited images
 *   <dir>/results/<id>.candidates.png   noise selection: the candidates' previews, winner framed
 *   <dir>/embeddings/              text-embedding cache of the model session
 *   <dir>/server.pid               the process that owns the dir
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { IceditError } from "../errors.js";
import { writeFileAtomic } from "../image/atomic-write.js";
import { isJobId } from "./ids.js";

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
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.pidFile, "wx");
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return;
      } catch (error) {
        if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
      }
      const pid = Number(readFileSync(this.pidFile, "utf8").trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirError(`another icedit server (pid ${pid}) uses the data dir ${this.root}; stop it or choose another --data-dir`);
      }
      rmSync(this.pidFile, { force: true });
    }
    throw new DataDirError(`cannot take the data dir ${this.root}: ${this.pidFile} keeps coming back`);
  }

  unlock(): void {
    try {
      if (readFileSync(this.pidFile, "utf8").trim() === String(process.pid)) rmSync(this.pidFile, { force: true });
    } catch {
      // already gone
    }
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

  hasResult(id: string): boolean {
    return isFile(this.resultPath(id));
  }

  hasCandidates(id: string): boolean {
    return isFile(this.candidatesPath(id));
  }

  /**
   * Removes what a crash can leave behind: temporary files of interrupted atomic writes, and
   * uploads whose job record was never committed (the server died between the two). Returns how
   * many files went.
   */
  sweep(known: ReadonlySet<string>): number {
    let removed = 0;
    for (const dir of [this.inputs, this.results]) {
      for (const name of readdirSync(dir)) {
        const id = name.split(".")[0] ?? "";
        const orphan = name.startsWith(".") ? name.endsWith(".tmp") : isJobId(id) && !known.has(id);
        if (orphan) {
          rmSync(join(dir, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}
