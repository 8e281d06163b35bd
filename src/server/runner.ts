/**
 * The in-process worker: one model session, kept open, runs the stored jobs one at a time in
 * submission order. Each job's input is read from the data dir, its result written there
 * atomically before the record says "done".
 */
import type { Judge } from "../vlm/judge.js";
import type { BackendHealth, JobBackend } from "./backend.js";
import type { DataDir } from "./data-dir.js";
import type { JobEvents } from "./events.js";
import { finishWithResult } from "./finish-job.js";
import { jobError } from "./job-errors.js";
import { paramsSummary, type JobProgress, type JobRow } from "./job.js";
import { runEdit, type Editor } from "./run-edit.js";
import type { JobStore } from "./store.js";

export interface RunnerOptions {
  readonly maxPixels: number;
  /** The judge for noise selection (undefined: jobs cannot ask for it). */
  readonly judge?: Judge;
  readonly log: (line: string) => void;
}

const CANCEL = "cancel";
const SHUTDOWN = "shutdown";

interface Current {
  readonly id: string;
  readonly controller: AbortController;
  progress: JobProgress | undefined;
}

export class LocalRunner implements JobBackend {
  private current: Current | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly store: JobStore,
    private readonly dir: DataDir,
    private readonly events: JobEvents,
    private readonly editor: Editor,
    private readonly options: RunnerOptions,
  ) {}

  get noiseSelection(): boolean {
    return this.options.judge !== undefined;
  }

  async start(): Promise<void> {
    const recovery = this.store.recover(Date.now());
    for (const id of recovery.requeued) this.options.log(`job ${id} was running when the server stopped: queued again (retry 1 of 1)`);
    for (const id of recovery.failed) this.options.log(`job ${id} was running when the server stopped, for the second time: failed`);
    for (const id of recovery.cancelled) this.options.log(`job ${id} was being cancelled when the server stopped: cancelled`);
    this.loop = this.run();
  }

  async submitted(): Promise<void> {
    this.wake?.();
  }

  async cancelledQueued(): Promise<void> {
    // nothing runs it yet: the store's state is all there is
  }

  async cancelRunning(job: JobRow): Promise<void> {
    if (this.current?.id === job.id) this.current.controller.abort(CANCEL);
  }

  progress(id: string): JobProgress | undefined {
    return this.current?.id === id ? this.current.progress : undefined;
  }

  health(): BackendHealth {
    return { queue: "local", ready: !this.closing, detail: { running: this.current?.id ?? null } };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.current?.controller.abort(SHUTDOWN);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      const job = this.store.claimNext("local", Date.now());
      if (!job) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.events.queueMoved();
      await this.execute(job);
    }
  }

  private async execute(job: JobRow): Promise<void> {
    const controller = new AbortController();
    const current: Current = { id: job.id, controller, progress: undefined };
    this.current = current;
    const warnings: string[] = [];
    const { params } = job;
    this.events.publish(job.id, { type: "started", attempt: job.attempts, worker: "local" });
    this.options.log(`job ${job.id} started (attempt ${job.attempts}): ${paramsSummary(params)}`);
    try {
      const input = await this.dir.readInput(job.id, job.input.format);
      const outcome = await runEdit(this.editor, this.options.judge, input, params, this.options.maxPixels, {
        signal: controller.signal,
        onProgress: (progress) => {
          current.progress = progress;
          this.events.publish(job.id, { type: "progress", progress });
        },
        onWarning: (message) => {
          warnings.push(message);
          this.events.publish(job.id, { type: "warning", message });
        },
        onComparison: (c) => this.events.publish(job.id, { type: "comparison", ...c }),
        onWinner: (seed) => this.events.publish(job.id, { type: "winner", seed }),
      });
      if (controller.signal.reason === CANCEL) throw new Error(CANCEL); // asked to stop: no result, as asked
      await finishWithResult(this.store, this.dir, job, { ...outcome, warnings }, Date.now());
      this.options.log(`job ${job.id} done`);
    } catch (error) {
      if (controller.signal.reason === SHUTDOWN) {
        this.store.requeue(job.id);
        this.events.publish(job.id, { type: "requeued", reason: "the server is shutting down; the job runs again when it starts" });
        this.options.log(`job ${job.id} stopped by the shutdown: queued again`);
      } else if (controller.signal.reason === CANCEL) {
        this.store.finishCancelled(job.id, Date.now());
        this.options.log(`job ${job.id} cancelled`);
      } else {
        const reason = jobError(error);
        this.store.finishFailed(job.id, reason, warnings, Date.now());
        this.options.log(`job ${job.id} failed: ${reason.message}`);
      }
    } finally {
      this.current = undefined;
    }
    const finished = this.store.get(job.id);
    if (finished && finished.status !== "queued") this.events.publish(job.id, { type: "finished", job: finished });
    this.events.queueMoved();
  }
}
