/**
 * What the HTTP front end and `icedit worker` processes exchange through Redis: the BullMQ queue's
 * name, the job's data (parameters and the uploaded bytes, so that workers need no shared disk),
 * progress messages, the result, and the cancel channel.
 */
import type { RedisOptions } from "bullmq";
import { IceditError } from "../../errors.js";
import type { EditParams, JobError } from "../job.js";

export const QUEUE_NAME = "icedit-edits";
/** Pub/sub channel on which the front end names jobs to stop. */
export const CANCEL_CHANNEL = `${QUEUE_NAME}:cancel`;
/** Key that marks a job as cancelled (for a worker that picks it up after the broadcast). */
export const cancelKey = (id: string): string => `${QUEUE_NAME}:cancelled:${id}`;

export interface RemoteJobData {
  readonly id: string;
  readonly params: EditParams;
  readonly format: string;
  readonly maxPixels: number;
  /** The upload, base64. */
  readonly image: string;
}

/** Sent with BullMQ's job.updateProgress; every message names the worker that sends it. */
export type RemoteProgress =
  | { readonly type: "started"; readonly worker: string; readonly attempt: number }
  | { readonly type: "progress"; readonly worker: string; readonly stage: string; readonly step: number; readonly steps: number }
  | { readonly type: "warning"; readonly worker: string; readonly message: string }
  | { readonly type: "comparison"; readonly worker: string; readonly a: number; readonly b: number; readonly choice: 1 | 2 | null }
  | { readonly type: "winner"; readonly worker: string; readonly seed: number }
  /** The worker is stopping in order and puts the job back in the queue (not a crash). */
  | { readonly type: "requeued"; readonly worker: string };

export function isRemoteProgress(value: unknown): value is RemoteProgress {
  return typeof value === "object" && value !== null && "type" in value && "worker" in value && typeof value.worker === "string";
}

export interface RemoteResult {
  /** The edited image, PNG, base64. */
  readonly png: string;
  /** Noise selection: the candidates' previews, PNG, base64. */
  readonly candidates: string | null;
  readonly record: unknown;
  readonly warnings: readonly string[];
}

/** A failure's reason travels as BullMQ's failedReason: our { code, message } as JSON. */
export function encodeFailure(error: JobError): string {
  return JSON.stringify(error);
}

export const CANCELLED: JobError = { code: "cancelled", message: "cancelled by request" };

export function decodeFailure(reason: string): JobError {
  try {
    const parsed = JSON.parse(reason) as Partial<JobError>;
    if (typeof parsed.code === "string" && typeof parsed.message === "string") return { code: parsed.code, message: parsed.message };
  } catch {
    // BullMQ's own reasons are plain text
  }
  if (/stalled more than allowable limit/i.test(reason)) {
    return {
      code: "interrupted",
      message: "interrupted twice: the worker running this job died (or lost Redis) twice; it is not retried again",
    };
  }
  return { code: "worker_failed", message: reason };
}

export class QueueUrlError extends IceditError {}

/** ioredis options from redis://[user:password@]host:port[/db] (rediss:// for TLS). */
export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueUrlError(`--queue ${url} is not a URL like redis://127.0.0.1:6379`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")
    throw new QueueUrlError(`--queue ${url}: expected redis:// or rediss://`);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isSafeInteger(db) || db < 0) throw new QueueUrlError(`--queue ${url}: the database number must be a whole number`);
  return {
    host: parsed.hostname || "127.0.0.1",
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls: parsed.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null, // BullMQ's workers block on Redis; they must not give up on a slow command
  };
}
