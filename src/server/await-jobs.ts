/** Waiting, in the request that submitted them, for jobs to finish (done, failed or cancelled). */
import type { JobEvents } from "./events.js";
import { isTerminal, type JobRow } from "./job.js";
import type { JobStore } from "./store.js";

export interface JobsWait {
  /** The jobs as the store has them once every one is finished, in the order of `ids`. */
  readonly finished: Promise<JobRow[]>;
  /** Stops listening (the promise then never settles). */
  stop(): void;
}

export function awaitJobs(store: JobStore, events: JobEvents, ids: readonly string[]): JobsWait {
  const pending = new Set(ids);
  const unsubscribes: Array<() => void> = [];
  const stop = (): void => {
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
  };
  const finished = new Promise<JobRow[]>((resolve) => {
    const settle = (id: string): void => {
      pending.delete(id);
      if (pending.size > 0) return;
      stop();
      resolve(ids.map((i) => store.get(i) as JobRow));
    };
    // Subscribe before reading the store: both happen in this tick, so no finish falls between.
    for (const id of ids) {
      unsubscribes.push(
        events.subscribe(id, (event) => {
          if (event.type === "finished") settle(id);
        }),
      );
    }
    for (const id of ids) {
      const job = store.get(id);
      if (job === undefined || isTerminal(job.status)) settle(id);
    }
  });
  return { finished, stop };
}
