/**
 * Reading a result for a client: the bytes are checked against the size and SHA-256 stored when
 * the result was written, so that a file cut short or changed on disk is never served as the edit.
 */
import { readFile } from "node:fs/promises";
import { IceditError } from "../errors.js";
import { digestOf } from "./finish-job.js";
import type { ResultDigest } from "./job.js";

export class ResultDamagedError extends IceditError {}

/** The file's bytes if they are what was written (`expected` null: written before icedit stored digests, not checked). */
export async function readCheckedResult(path: string, expected: ResultDigest | null): Promise<Buffer> {
  const bytes = await readFile(path);
  if (expected === null) return bytes;
  if (bytes.length !== expected.bytes) {
    throw new ResultDamagedError(
      `${path} is ${bytes.length} bytes on disk, but ${expected.bytes} were written: the file was cut short or changed`,
    );
  }
  const actual = digestOf(bytes).sha256;
  if (actual !== expected.sha256) {
    throw new ResultDamagedError(`${path} has changed on disk since it was written (SHA-256 ${actual}, written ${expected.sha256})`);
  }
  return bytes;
}
