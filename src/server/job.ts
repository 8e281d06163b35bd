/** What the server knows about one edit job, as stored and as answered. */
import type { EditMethod } from "../api/edit-method.js";
import type { EditOptions } from "../api/edit-options.js";

export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export const TERMINAL_STATUSES: readonly JobStatus[] = ["done", "failed", "cancelled"];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * The parameters of `icedit edit` that a client sets per job: the library's EditOptions (the one
 * options type the CLI fills too) that travel as JSON, with the defaults of the method applied
 * where the server knows it (methodEditDefaults). Absent: the model that runs the job decides
 * (the record says what it took).
 */
export interface EditParams
  extends Pick<EditOptions, "seed" | "steps" | "guidance" | "trueCfgScale" | "negativePrompt" | "width" | "height" | "maxTextTokens"> {
  readonly instruction: string;
  readonly seed: number;
  /** The method the job runs (`--method`): the server's model's, or the one asked of remote workers. */
  readonly method?: EditMethod;
  /** Step caching as the library takes it ("fbcache:0.12", ...; absent: off). */
  readonly cache?: string;
  /** Noise selection: several seeds run a few steps, the server's judge picks one (absent: a plain edit). */
  readonly selection?: SelectionParams;
}

/** A job's parameters in a log line: the instruction, the steps and the method. */
export function paramsSummary(params: EditParams): string {
  const steps = params.steps === undefined ? "the model's steps" : `${params.steps} steps`;
  return `${JSON.stringify(params.instruction)}, ${steps}${params.method === undefined ? "" : ` (${params.method})`}`;
}

export interface SelectionParams {
  /** M seeds: seed, seed + 1, ... */
  readonly candidates: number;
  /** m, the steps before judging (absent: the library's default, at most steps - 1). */
  readonly earlySteps?: number;
  /** "first-seed": an unreachable judge makes the first seed win instead of failing the job. */
  readonly fallback: "none" | "first-seed";
}

/** The uploaded image as sniffed from its bytes (never from the client's content type or name). */
export interface InputInfo {
  /** sharp's format id: png, jpeg, webp, gif, tiff, heif. */
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

export interface JobError {
  readonly code: string;
  readonly message: string;
}

export interface JobRow {
  /** Submission order: jobs start in increasing seq. */
  readonly seq: number;
  readonly id: string;
  readonly status: JobStatus;
  readonly params: EditParams;
  readonly input: InputInfo;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** How many times a worker started it. */
  readonly attempts: number;
  /** How many times the process running it died while it ran. */
  readonly interruptions: number;
  readonly cancelRequested: boolean;
  /** Who ran (or runs) it: "local" or a worker's name. */
  readonly worker: string | null;
  readonly error: JobError | null;
  readonly warnings: readonly string[];
  /** The edit's record (as `icedit edit --json` writes it), once done. */
  readonly record: unknown;
  /** The result file as written (null: not done, or done before icedit stored it). */
  readonly result: ResultDigest | null;
}

/** A result file's size and SHA-256 (hex) at write time. */
export interface ResultDigest {
  readonly bytes: number;
  readonly sha256: string;
}

/** Live progress of a running job (kept in memory, not stored: it is stale after a restart). */
export interface JobProgress {
  readonly stage: string;
  readonly step: number;
  readonly steps: number;
}
