/**
 * What happens to jobs, as it happens: the worker (local or remote) publishes, SSE streams
 * subscribe. One emitter per server; listeners are per job, plus one for queue movements.
 */
import { EventEmitter } from "node:events";
import type { JobProgress, JobRow } from "./job.js";

export type JobEvent =
  | { readonly type: "started"; readonly attempt: number; readonly worker: string }
  | { readonly type: "progress"; readonly progress: JobProgress }
  | { readonly type: "warning"; readonly message: string }
  /** Noise selection: the judge compared two candidates (choice 1: a stays, 2: b wins, null: a tie). */
  | { readonly type: "comparison"; readonly a: number; readonly b: number; readonly choice: 1 | 2 | null }
  | { readonly type: "winner"; readonly seed: number }
  /** The job went back to the queue (its worker died, or the server shut down in order). */
  | { readonly type: "requeued"; readonly reason: string }
  | { readonly type: "finished"; readonly job: JobRow };

const QUEUE = "queue-moved";

export class JobEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0); // one per open SSE stream
  }

  publish(id: string, event: JobEvent): void {
    this.emitter.emit(`job:${id}`, event);
  }

  /** Returns the function that unsubscribes. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.emitter.on(`job:${id}`, listener);
    return () => this.emitter.off(`job:${id}`, listener);
  }

  /** Some job started or left the queue: the positions of queued jobs changed. */
  queueMoved(): void {
    this.emitter.emit(QUEUE);
  }

  onQueueMoved(listener: () => void): () => void {
    this.emitter.on(QUEUE, listener);
    return () => this.emitter.off(QUEUE, listener);
  }
}
