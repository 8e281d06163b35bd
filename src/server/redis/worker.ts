/**
 * `icedit worker`'s engine: takes edit jobs from the BullMQ queue in Redis, one at a time, with one
 * model session kept open, and sends progress and the result back through Redis. A job whose
 * worker dies is given to another worker by BullMQ once its lock expires (once; the second time it
 * fails as "interrupted twice"). An orderly stop puts the running job back in the queue.
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { Judge } from "../../vlm/judge.js";
import { jobError } from "../job-errors.js";
import { paramsSummary } from "../job.js";
import { safeLog } from "../log-text.js";
import { runEdit, type Editor } from "../run-edit.js";
import {
  CANCEL_CHANNEL,
  CANCELLED,
  cancelKey,
  encodeFailure,
  QUEUE_NAME,
  redisOptions,
  type RemoteJobData,
  type RemoteProgress,
  type RemoteResult,
} from "./protocol.js";

export interface RemoteWorkerOptions {
  /** redis://host:port */
  readonly queue: string;
  /** Shown in job records (`worker`) and logs. */
  readonly name: string;
  readonly editor: Editor;
  /** The judge for jobs that ask for noise selection (undefined: such jobs fail with the reason). */
  readonly judge?: Judge;
  /** A job's lock lasts this long without renewal: a dead worker's job moves on after about this (ms). */
  readonly lockMs?: number;
  /** How often workers look for jobs whose worker died (ms). */
  readonly stalledCheckMs?: number;
  readonly log: (line: string) => void;
  /** A job finished here and BullMQ recorded it. */
  readonly onFinished?: (id: string, outcome: "done" | "failed") => void;
}

export interface RemoteWorker {
  /** Stops taking jobs; a running job goes back to the queue. */
  close(): Promise<void>;
}

const SHUTDOWN = "shutdown";
const CANCEL = "cancel";

export async function startRemoteWorker(options: RemoteWorkerOptions): Promise<RemoteWorker> {
  const log = safeLog(options.log);
  const connection = redisOptions(options.queue);
  const redis = new Redis(connection);
  const subscriber = new Redis(connection);
  redis.on("error", (error: Error) => log(`redis: ${error.message}`));
  subscriber.on("error", (error: Error) => log(`redis: ${error.message}`));

  const processor = async (job: Job<RemoteJobData, RemoteResult>, token?: string, signal?: AbortSignal): Promise<RemoteResult> => {
    const { id, params } = job.data;
    if ((await redis.exists(cancelKey(id))) === 1) throw new UnrecoverableError(encodeFailure(CANCELLED));
    let pending: Promise<void> = Promise.resolve();
    const report = (message: RemoteProgress): void => {
      pending = pending.then(() => job.updateProgress(message)).catch(() => undefined); // in order, never failing the edit
    };
    report({ type: "started", worker: options.name, attempt: job.attemptsStarted });
    log(`job ${id} started (attempt ${job.attemptsStarted}): ${paramsSummary(params)}`);
    const warnings: string[] = [];
    try {
      const name = options.name;
      const outcome = await runEdit(
        options.editor,
        options.judge,
        new Uint8Array(Buffer.from(job.data.image, "base64")),
        params,
        job.data.maxPixels,
        {
          signal: signal ?? new AbortController().signal,
          onProgress: (p) => report({ type: "progress", worker: name, ...p }),
          onWarning: (message) => {
            warnings.push(message);
            report({ type: "warning", worker: name, message });
          },
          onComparison: (c) => report({ type: "comparison", worker: name, ...c }),
          onWinner: (seed) => report({ type: "winner", worker: name, seed }),
        },
      );
      if (signal?.aborted) throw new Error(String(signal.reason));
      await pending;
      const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
      return { png: base64(outcome.png), candidates: outcome.candidates && base64(outcome.candidates), record: outcome.record, warnings };
    } catch (error) {
      await pending;
      if (signal?.aborted && signal.reason === SHUTDOWN) {
        await job.updateProgress({ type: "requeued", worker: options.name } satisfies RemoteProgress).catch(() => undefined);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (signal?.aborted) throw new UnrecoverableError(encodeFailure(CANCELLED));
      throw new UnrecoverableError(encodeFailure(jobError(error)));
    }
  };

  const worker = new Worker<RemoteJobData, RemoteResult>(QUEUE_NAME, processor, {
    connection,
    concurrency: 1,
    autorun: false,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: options.stalledCheckMs ?? 15_000,
    maxStalledCount: 1,
  });
  worker.on("error", (error: Error) => log(`worker: ${error.message}`));
  worker.on("completed", (job) => {
    log(`job ${job.id} done`);
    if (job.id) options.onFinished?.(job.id, "done");
  });
  worker.on("failed", (job, error) => {
    if (!job?.id || error instanceof WaitingError || error.name === "WaitingError") return;
    log(`job ${job.id} failed: ${error.message}`);
    options.onFinished?.(job.id, "failed");
  });

  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on("message", (_channel: string, id: string) => {
    if (worker.cancelJob(id, CANCEL)) log(`job ${id}: cancel requested, stopping after the current step`);
  });
  await worker.waitUntilReady();
  void worker.run();

  return {
    close: async () => {
      worker.cancelAllJobs(SHUTDOWN);
      await worker.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
