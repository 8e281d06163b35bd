/**
 * Cancelling a job that has not finished, as DELETE /v1/edits/{id} and a dropped OpenAI-style
 * request do it: a queued job is cancelled in the store at once; a running one is asked to stop
 * after its current step (its worker then marks it cancelled).
 */
import type { JobBackend } from "./backend.js";
import type { JobEvents } from "./events.js";
import type { JobRow } from "./job.js";
import type { JobStore } from "./store.js";

export interface CancelDeps {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly backend: JobBackend;
}

/** Cancels or asks to cancel `job` (queued or running); returns the job as it is now. */
export async function cancelJob(deps: CancelDeps, job: JobRow): Promise<JobRow> {
  const { store, events, backend } = deps;
  if (store.cancelQueued(job.id, Date.now())) {
    const cancelled = store.get(job.id) as JobRow;
    await backend.cancelledQueued(cancelled);
    events.publish(job.id, { type: "finished", job: cancelled });
    events.queueMoved();
    return cancelled;
  }
  // It started meanwhile: ask its worker to stop after the current step.
  if (store.requestCancel(job.id)) await backend.cancelRunning(job);
  return store.get(job.id) ?? job;
}
