/**
 * A job's result, kept: the images, then the finished job's record beside them (so that a lost
 * jobs.db loses no result), then the row says "done" with the result's size and SHA-256, which
 * are checked before the result is served. Both the in-process worker and the Redis backend use it.
 */
import { createHash } from "node:crypto";
import type { DataDir } from "./data-dir.js";
import type { JobRow, ResultDigest } from "./job.js";
import type { JobStore } from "./store.js";

export interface FinishedEdit {
  readonly png: Uint8Array;
  readonly candidates: Uint8Array | null;
  readonly record: unknown;
  readonly warnings: readonly string[];
}

export function digestOf(bytes: Uint8Array): ResultDigest {
  return { bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Writes the result of a running job and marks it done; false if the job was no longer running. */
export async function finishWithResult(store: JobStore, dir: DataDir, job: JobRow, edit: FinishedEdit, now: number): Promise<boolean> {
  if (edit.candidates) await dir.writeCandidates(job.id, edit.candidates);
  await dir.writeResult(job.id, edit.png);
  const digest = digestOf(edit.png);
  await dir.writeResultRecord({
    id: job.id,
    params: job.params,
    input: job.input,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: now,
    attempts: job.attempts,
    interruptions: job.interruptions,
    worker: job.worker,
    warnings: edit.warnings,
    record: edit.record,
    result: digest,
  });
  return store.finishDone(job.id, edit.record, edit.warnings, now, digest);
}
