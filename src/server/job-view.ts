/** A job as the API answers it (snake_case fields, ISO times, relative URLs). */
import type { EditMethod } from "../api/edit-method.js";
import type { JobProgress, JobRow } from "./job.js";

export interface JobView {
  readonly id: string;
  readonly status: JobRow["status"];
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  /** The editing method: icedit or kontext (null: remote workers will say, in the record once done). */
  readonly method: EditMethod | null;
  readonly params: JobRow["params"];
  readonly input: JobRow["input"];
  /** Jobs running or queued before this one (queued jobs only). */
  readonly queue_position: number | null;
  readonly progress: JobProgress | null;
  readonly attempts: number;
  readonly interruptions: number;
  readonly cancel_requested: boolean;
  readonly worker: string | null;
  readonly error: JobRow["error"];
  readonly warnings: JobRow["warnings"];
  readonly record: unknown;
  readonly urls: {
    readonly self: string;
    readonly events: string;
    readonly source: string;
    readonly image: string | null;
    /** Noise selection: the candidates' previews as one image, the winner framed (once done). */
    readonly candidates: string | null;
  };
}

export function jobUrl(id: string): string {
  return `/v1/edits/${id}`;
}

export function jobView(job: JobRow, extra: { readonly position?: number; readonly progress?: JobProgress }): JobView {
  const self = jobUrl(job.id);
  return {
    id: job.id,
    status: job.status,
    created_at: new Date(job.createdAt).toISOString(),
    started_at: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
    finished_at: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
    method: job.params.method ?? recordMethod(job.record),
    params: job.params,
    input: job.input,
    queue_position: job.status === "queued" ? (extra.position ?? null) : null,
    progress: job.status === "running" ? (extra.progress ?? null) : null,
    attempts: job.attempts,
    interruptions: job.interruptions,
    cancel_requested: job.cancelRequested,
    worker: job.worker,
    error: job.error,
    warnings: job.warnings,
    record: job.record,
    urls: {
      self,
      events: `${self}/events`,
      source: `${self}/source`,
      image: job.status === "done" ? `${self}/image` : null,
      candidates: job.status === "done" && job.params.selection ? `${self}/candidates` : null,
    },
  };
}

/** The method an edit's record names (`record.method`), if any. */
function recordMethod(record: unknown): EditMethod | null {
  if (typeof record !== "object" || record === null || !("method" in record)) return null;
  const method = record.method;
  return method === "icedit" || method === "kontext" ? method : null;
}
