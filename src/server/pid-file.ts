/**
 * The data dir's owner: `server.pid` names the process that serves it, with that process's start
 * time, so that a pid reused by an unrelated process (after a crash or a reboot, pid 1 in a
 * container) is told apart from a live icedit server. A file whose holder is gone is taken over.
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { errorCode } from "../image/fs-reason.js";

export interface PidRecord {
  readonly pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22); absent where /proc is not. */
  readonly started?: string;
  readonly dataDir?: string;
  /** Random, per lock: only the process that wrote it removes the file. */
  readonly token?: string;
}

/** Creates the file if absent; returns the record written, or undefined if the file exists. */
export function createPidFile(path: string, dataDir: string): PidRecord | undefined {
  const record: PidRecord = { pid: process.pid, started: processStartTime(process.pid), dataDir, token: randomBytes(12).toString("hex") };
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    throw error;
  }
  try {
    writeFileSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
  return record;
}

/** The record in the file (a bare pid: written by an older icedit); undefined if unreadable. */
export function readPidFile(path: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const parsed = JSON.parse(text) as Partial<PidRecord>;
    return typeof parsed.pid === "number" && Number.isSafeInteger(parsed.pid) ? (parsed as PidRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file if it still holds `record` (another server may have taken it over meanwhile). */
export function removePidFile(path: string, record: PidRecord): void {
  const now = readPidFile(path);
  if (now?.token !== undefined && now.token === record.token) rmSync(path, { force: true });
}

/** Whether the process in `record` is alive and is the icedit server that wrote it for `dataDir`. */
export function holdsDataDir(record: PidRecord, dataDir: string): boolean {
  if (record.pid <= 0 || !isAlive(record.pid)) return false;
  if (record.dataDir !== undefined && record.dataDir !== dataDir) return false;
  const started = processStartTime(record.pid);
  if (record.started !== undefined && started !== undefined) return started === record.started;
  const commandLine = processCommandLine(record.pid);
  if (commandLine !== undefined) return /icedit/.test(commandLine);
  return true; // nothing tells: keep off, as before
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return undefined;
  }
}
