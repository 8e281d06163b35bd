/**
 * Job retention (`serve --keep 7d,1000`): finished jobs older than an age, or beyond the newest N,
 * are removed whole. The row goes first (noted in removed_jobs, in the same transaction), then the
 * files, then the note: a crash in between leaves files the next start knows to remove.
 */
import { IceditError } from "../errors.js";
import type { DataDir } from "./data-dir.js";
import type { JobStore, RetentionPolicy } from "./store.js";

export class KeepOptionError extends IceditError {}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

const RETENTION_INTERVAL_MS = 3_600_000;

/** "7d", "1000" or "7d,1000" (age units m, h, d, w; a bare number is a count of finished jobs). */
export function parseKeep(text: string): RetentionPolicy {
  let maxAgeMs: number | undefined;
  let maxCount: number | undefined;
  for (const part of text.split(",").map((p) => p.trim())) {
    const age = /^(\d+)([mhdw])$/.exec(part);
    if (age && maxAgeMs === undefined && Number(age[1]) > 0) {
      maxAgeMs = Number(age[1]) * (UNIT_MS[age[2] as string] as number);
    } else if (/^\d+$/.test(part) && maxCount === undefined && Number.isSafeInteger(Number(part))) {
      maxCount = Number(part);
    } else {
      throw new KeepOptionError(
        `--keep ${JSON.stringify(text)}: give an age (30m, 12h, 7d, 2w), a number of finished jobs (1000), or both (7d,1000)`,
      );
    }
  }
  return { maxAgeMs, maxCount };
}

/** Removes one finished job, row first, then its files. */
export async function removeJob(store: JobStore, dir: DataDir, id: string, now: number): Promise<"removed" | "unfinished" | "missing"> {
  const job = store.get(id);
  const outcome = store.removeFinished(id, now);
  if (outcome === "removed" && job) {
    await dir.removeJobFiles(id, job.input.format);
    store.forgetRemoved(id);
  }
  return outcome;
}

/** Removes the jobs the policy lets go; returns how many. */
export async function applyRetention(store: JobStore, dir: DataDir, policy: RetentionPolicy, now: number): Promise<number> {
  let removed = 0;
  for (const id of store.expired(policy, now)) if ((await removeJob(store, dir, id, now)) === "removed") removed++;
  return removed;
}

/**
 * Applies the policy now and every hour until the returned stop is called (the timer never keeps
 * the process up; stop waits for a run in progress, so that the store is closed after it).
 */
export async function startRetention(
  store: JobStore,
  dir: DataDir,
  policy: RetentionPolicy,
  log: (line: string) => void,
): Promise<() => Promise<void>> {
  const run = async (): Promise<void> => {
    const removed = await applyRetention(store, dir, policy, Date.now());
    if (removed > 0) log(`--keep: removed ${removed} finished job(s) with their files`);
  };
  await run();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= run()
      .catch((error: unknown) => log(`--keep: removing old jobs failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (running = undefined));
  }, RETENTION_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
