/**
 * The front end's side of scale-out: jobs stored here (SQLite, as without Redis) are put on a
 * BullMQ queue for `icedit worker` processes; their progress, results and failures come back as
 * BullMQ queue events and are written to the same records and data dir. A periodic reconcile
 * catches anything an event did not bring (the front end was down, a connection dropped).
 */
import { Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { BackendHealth, JobBackend } from "../backend.js";
import type { DataDir } from "../data-dir.js";
import type { JobEvents } from "../events.js";
import { isTerminal, type JobError, type JobProgress, type JobRow } from "../job.js";
import { finishWithResult } from "../finish-job.js";
import type { JobStore } from "../store.js";
import {
  CANCEL_CHANNEL,
  cancelKey,
  decodeFailure,
  isRemoteProgress,
  QUEUE_NAME,
  redisOptions,
  type RemoteJobData,
  type RemoteResult,
} from "./protocol.js";

export interface RedisBackendOptions {
  readonly log: (line: string) => void;
  readonly maxPixels: number;
  /** How often every unfinished job is checked against Redis (ms). */
  readonly reconcileMs?: number;
}

const CANCEL_TTL_S = 24 * 3600;

export class RedisBackend implements JobBackend {
  private readonly queue: Queue<RemoteJobData, RemoteResult>;
  private readonly queueEvents: QueueEvents;
  private readonly redis: Redis;
  private readonly live = new Map<string, JobProgress>();
  private readonly settling = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly store: JobStore,
    private readonly dir: DataDir,
    private readonly events: JobEvents,
    private readonly options: RedisBackendOptions,
  ) {
    const connection = redisOptions(url);
    this.queue = new Queue(QUEUE_NAME, { connection });
    this.queueEvents = new QueueEvents(QUEUE_NAME, { connection });
    this.redis = new Redis(connection);
    this.queue.on("error", (error: Error) => this.options.log(`redis queue: ${error.message}`));
    this.queueEvents.on("error", (error: Error) => this.options.log(`redis events: ${error.message}`));
    this.redis.on("error", (error: Error) => this.options.log(`redis: ${error.message}`));
  }

  /** The workers decide: one without a judge fails such a job with the reason. */
  readonly noiseSelection = true;

  async start(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.queueEvents.waitUntilReady()]);
    this.queueEvents.on("progress", ({ jobId, data }) => this.onProgress(jobId, data));
    this.queueEvents.on("completed", ({ jobId }) => void this.settle(jobId));
    this.queueEvents.on("failed", ({ jobId }) => void this.settle(jobId));
    this.queueEvents.on("stalled", ({ jobId }) => void this.onStalled(jobId));
    await this.reconcile();
    this.timer = setInterval(() => {
      this.reconciling ??= this.reconcile().finally(() => (this.reconciling = undefined));
    }, this.options.reconcileMs ?? 3000);
  }

  async submitted(job: JobRow): Promise<void> {
    try {
      await this.enqueue(job);
    } catch (error) {
      // The record is stored: the next reconcile queues it once Redis answers again.
      this.options.log(`job ${job.id}: cannot queue it on Redis yet (${message(error)}); retrying`);
    }
  }

  async cancelledQueued(job: JobRow): Promise<void> {
    try {
      await this.redis.set(cancelKey(job.id), "1", "EX", CANCEL_TTL_S);
      const remote = await Job.fromId<RemoteJobData, RemoteResult>(this.queue, job.id);
      try {
        await remote?.remove();
      } catch {
        // a worker took it meanwhile: tell it to stop
        await this.redis.publish(CANCEL_CHANNEL, job.id);
      }
    } catch (error) {
      // The record says cancelled; a result that still arrives is dropped.
      this.options.log(`job ${job.id}: cannot remove it from Redis (${message(error)})`);
    }
  }

  async cancelRunning(job: JobRow): Promise<void> {
    try {
      await this.redis.set(cancelKey(job.id), "1", "EX", CANCEL_TTL_S);
      await this.redis.publish(CANCEL_CHANNEL, job.id);
    } catch (error) {
      this.options.log(`job ${job.id}: cannot tell its worker to stop (${message(error)})`);
    }
  }

  progress(id: string): JobProgress | undefined {
    return this.live.get(id);
  }

  health(): BackendHealth {
    const ready = !this.closed && this.redis.status === "ready";
    return { queue: "redis", ready, detail: { redis: this.redis.status } };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.reconciling;
    await this.queueEvents.close();
    await this.queue.close();
    this.redis.disconnect();
  }

  private async enqueue(job: JobRow): Promise<void> {
    const image = Buffer.from(await this.dir.readInput(job.id, job.input.format)).toString("base64");
    const data: RemoteJobData = { id: job.id, params: job.params, format: job.input.format, maxPixels: this.options.maxPixels, image };
    // attempts 1: an edit that fails fails again; a worker that dies is BullMQ's "stalled" (retried once).
    await this.queue.add("edit", data, { jobId: job.id, attempts: 1, removeOnComplete: false, removeOnFail: false });
  }

  private onProgress(id: string, data: unknown): void {
    if (!isRemoteProgress(data)) return;
    switch (data.type) {
      case "started":
        if (this.store.markStartedRemote(id, data.worker, data.attempt, Date.now())) {
          this.events.publish(id, { type: "started", attempt: data.attempt, worker: data.worker });
          this.events.queueMoved();
        }
        return;
      case "progress": {
        const progress = { stage: data.stage, step: data.step, steps: data.steps };
        this.live.set(id, progress);
        this.events.publish(id, { type: "progress", progress });
        return;
      }
      case "warning":
        this.events.publish(id, { type: "warning", message: data.message });
        return;
      case "comparison":
        this.events.publish(id, { type: "comparison", a: data.a, b: data.b, choice: data.choice });
        return;
      case "winner":
        this.events.publish(id, { type: "winner", seed: data.seed });
        return;
      case "requeued": {
        const job = this.store.get(id);
        if (job && this.store.requeueRemote(id, job.attempts, job.interruptions)) {
          this.live.delete(id);
          this.events.publish(id, { type: "requeued", reason: `worker ${data.worker} stopped in order; another worker takes it` });
          this.events.queueMoved();
        }
        return;
      }
    }
  }

  /** A worker died (BullMQ's stalled check): the queue's state and counters say what follows. */
  private async onStalled(id: string): Promise<void> {
    try {
      const remote = await Job.fromId<RemoteJobData, RemoteResult>(this.queue, id);
      if (!remote) return;
      this.requeuedRemotely(id, remote, await remote.getState());
      if (remote.stalledCounter > 0) this.store.noteInterruptions(id, remote.stalledCounter);
    } catch (error) {
      this.options.log(`job ${id}: cannot read its state from Redis (${message(error)})`);
    }
  }

  /** Records that the queue holds this job as waiting again, unless a later attempt started. */
  private requeuedRemotely(id: string, remote: Job<RemoteJobData, RemoteResult>, state: string): void {
    if (state !== "waiting" && state !== "prioritized") return;
    if (this.store.requeueRemote(id, remote.attemptsStarted, remote.stalledCounter)) {
      this.live.delete(id);
      this.options.log(`job ${id}: its worker stopped; the queue gives it to another worker`);
      this.events.publish(id, { type: "requeued", reason: "its worker stopped; another worker takes it" });
      this.events.queueMoved();
    }
  }

  /** Brings a finished remote job into the records (once), then removes it from Redis. */
  private async settle(id: string): Promise<void> {
    if (this.settling.has(id)) return;
    this.settling.add(id);
    try {
      const remote = await Job.fromId<RemoteJobData, RemoteResult>(this.queue, id);
      if (!remote) return;
      const state = await remote.getState();
      const job = this.store.get(id);
      if (job && !isTerminal(job.status)) {
        if (remote.stalledCounter > 0) this.store.noteInterruptions(id, remote.stalledCounter);
        if (state === "completed") await this.finishDone(job, remote.returnvalue, remote);
        else if (state === "failed") this.finishFailed(job, decodeFailure(remote.failedReason ?? "unknown"));
        else return;
      }
      if (state === "completed" || state === "failed") await remote.remove().catch(() => undefined);
    } catch (error) {
      this.options.log(`job ${id}: cannot read its result from Redis yet (${message(error)})`);
    } finally {
      this.settling.delete(id);
    }
  }

  private async finishDone(job: JobRow, result: RemoteResult, remote: Job<RemoteJobData, RemoteResult>): Promise<void> {
    this.store.markStartedRemote(job.id, workerOf(remote), remote.attemptsStarted, Date.now()); // in case its start was missed
    const edit = {
      png: new Uint8Array(Buffer.from(result.png, "base64")),
      candidates: result.candidates ? new Uint8Array(Buffer.from(result.candidates, "base64")) : null,
      record: result.record,
      warnings: result.warnings,
    };
    await finishWithResult(this.store, this.dir, this.store.get(job.id) ?? job, edit, Date.now());
    this.finished(job.id);
    this.options.log(`job ${job.id} done by ${workerOf(remote)}`);
  }

  private finishFailed(job: JobRow, error: JobError): void {
    if (error.code === "cancelled") this.store.finishCancelled(job.id, Date.now());
    else this.store.finishFailed(job.id, error, [], Date.now());
    this.finished(job.id);
    this.options.log(`job ${job.id} ${error.code === "cancelled" ? "cancelled" : `failed: ${error.message}`}`);
  }

  private finished(id: string): void {
    this.live.delete(id);
    const job = this.store.get(id);
    if (job) this.events.publish(id, { type: "finished", job });
    this.events.queueMoved();
  }

  /** Checks every unfinished record against Redis and repairs what the events missed. */
  private async reconcile(): Promise<void> {
    for (const job of this.store.unfinished()) {
      if (this.closed) return;
      try {
        const remote = await Job.fromId<RemoteJobData, RemoteResult>(this.queue, job.id);
        if (!remote) {
          // Never reached Redis (the front end died between storing and queueing), or Redis lost it.
          if (job.status === "running" && this.store.interrupt(job.id, Date.now()) !== "requeued") {
            this.finished(job.id);
            continue;
          }
          await this.enqueue(job);
          continue;
        }
        const state = await remote.getState();
        if (state === "completed" || state === "failed") await this.settle(job.id);
        else if (state === "active") this.store.markStartedRemote(job.id, workerOf(remote), remote.attemptsStarted, Date.now());
        else this.requeuedRemotely(job.id, remote, state);
      } catch (error) {
        this.options.log(`reconcile ${job.id}: ${message(error)}`);
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The worker named by the job's last report; null before its first (the queue makes a job active before its worker reports). */
function workerOf(remote: Job<RemoteJobData, RemoteResult>): string | null {
  const progress: unknown = remote.progress;
  return isRemoteProgress(progress) ? progress.worker : null;
}
