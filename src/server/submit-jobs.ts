/**
 * Queuing edits, as every submitting route does it: the upload kept once per job, the jobs stored
 * all or none (429 with Retry-After when the queue has no room for all), then the worker told.
 * A failure leaves no upload behind that no job holds.
 */
import type { JobBackend } from "./backend.js";
import type { ServerLimits } from "./config.js";
import type { DataDir } from "./data-dir.js";
import { ApiError } from "./errors.js";
import type { JobEvents } from "./events.js";
import { newJobId } from "./ids.js";
import type { EditParams, InputInfo, JobRow } from "./job.js";
import type { JobStore } from "./store.js";

export interface SubmitDeps {
  readonly store: JobStore;
  readonly dir: DataDir;
  readonly events: JobEvents;
  readonly backend: JobBackend;
  readonly limits: ServerLimits;
}

/** One job per entry of `params`, all on the same uploaded image; returns them as stored, in order. */
export async function submitJobs(deps: SubmitDeps, image: Uint8Array, input: InputInfo, params: readonly EditParams[]): Promise<JobRow[]> {
  const { store, dir, limits } = deps;
  const createdAt = Date.now();
  const jobs = params.map((p) => ({ id: newJobId(), params: p, input, createdAt }));
  const written: string[] = [];
  const removeInputs = async (): Promise<void> => {
    for (const id of written) await dir.removeInput(id, input.format);
  };
  let stored: boolean;
  try {
    for (const job of jobs) {
      await dir.writeInput(job.id, input.format, image);
      written.push(job.id);
    }
    stored = store.insertAllIfRoom(jobs, limits.maxQueued);
  } catch (error) {
    await removeInputs(); // no job holds them: leave no orphan behind
    throw error;
  }
  if (!stored) {
    await removeInputs();
    const retryAfter = retryAfterSeconds(store.meanRunMs(20));
    const full =
      jobs.length === 1
        ? `the queue is full (${limits.maxQueued} jobs waiting)`
        : `the queue has no room for ${jobs.length} more jobs (at most ${limits.maxQueued} may wait)`;
    throw new ApiError(429, "queue_full", `${full}; try again in about ${retryAfter} s`, { "retry-after": String(retryAfter) });
  }
  const rows = jobs.map((job) => store.get(job.id) as JobRow);
  for (const row of rows) await deps.backend.submitted(row);
  deps.events.queueMoved();
  return rows;
}

/** When a queue slot is likely free again: about one job's run time. */
export function retryAfterSeconds(meanRunMs: number | undefined): number {
  if (meanRunMs === undefined) return 10;
  return Math.min(3600, Math.max(1, Math.ceil(meanRunMs / 1000)));
}
