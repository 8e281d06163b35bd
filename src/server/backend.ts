/**
 * Who runs the jobs: the in-process worker (`LocalRunner`, the default) or remote workers through
 * Redis (`RedisBackend`). The HTTP layer stores jobs and reads records; a backend moves them
 * through running to done, failed or cancelled, and publishes what happens on the way.
 */
import type { JobProgress, JobRow } from "./job.js";

export interface BackendHealth {
  readonly queue: "local" | "redis";
  readonly ready: boolean;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface JobBackend {
  /** Whether jobs may ask for noise selection (a judge is configured here, or remote workers decide). */
  readonly noiseSelection: boolean;
  /** Recovers what a crash left, then starts taking jobs. */
  start(): Promise<void>;
  /** A job was stored as queued. */
  submitted(job: JobRow): Promise<void>;
  /** A queued job was cancelled in the store before it started. */
  cancelledQueued(job: JobRow): Promise<void>;
  /** Asks the worker running this job to stop after its current step. */
  cancelRunning(job: JobRow): Promise<void>;
  /** The running job's latest progress, if this process knows it. */
  progress(id: string): JobProgress | undefined;
  health(): BackendHealth;
  /** Stops taking jobs; a job running in this process goes back to the queue. */
  close(): Promise<void>;
}
