/**
 * The job records: one SQLite database (better-sqlite3, WAL, synchronous=FULL) in the data dir.
 * State changes are single statements or transactions, so a crash at any point leaves each job in
 * exactly one state. Progress is not stored (it changes every step and is stale after a crash).
 */
import Database from "better-sqlite3";
import type { EditParams, InputInfo, JobError, JobRow, JobStatus } from "./job.js";

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  params TEXT NOT NULL,
  input TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  interruptions INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  worker TEXT,
  error_code TEXT,
  error_message TEXT,
  warnings TEXT NOT NULL DEFAULT '[]',
  record TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
`;

interface Row {
  seq: number;
  id: string;
  status: JobStatus;
  params: string;
  input: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempts: number;
  interruptions: number;
  cancel_requested: number;
  worker: string | null;
  error_code: string | null;
  error_message: string | null;
  warnings: string;
  record: string | null;
}

function toJob(row: Row): JobRow {
  return {
    seq: row.seq,
    id: row.id,
    status: row.status,
    params: JSON.parse(row.params) as EditParams,
    input: JSON.parse(row.input) as InputInfo,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    attempts: row.attempts,
    interruptions: row.interruptions,
    cancelRequested: row.cancel_requested !== 0,
    worker: row.worker,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? "" },
    warnings: JSON.parse(row.warnings) as string[],
    record: row.record === null ? null : (JSON.parse(row.record) as unknown),
  };
}

export interface NewJob {
  readonly id: string;
  readonly params: EditParams;
  readonly input: InputInfo;
  readonly createdAt: number;
}

export interface ListOptions {
  readonly limit: number;
  /** Only jobs submitted before this seq (the previous page's cursor). */
  readonly before?: number;
  readonly status?: JobStatus;
}

/** What a restart did with the jobs that were running when the process died. */
export interface Recovery {
  readonly requeued: readonly string[];
  readonly failed: readonly string[];
  readonly cancelled: readonly string[];
}

export const INTERRUPTED_TWICE: JobError = {
  code: "interrupted",
  message: "interrupted twice: the server stopped while this job ran, was restarted, retried it once, and stopped again; it is not retried again",
};

export class JobStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path} was written by a newer icedit (schema ${version}, this one knows ${SCHEMA_VERSION}); use a newer icedit or another --data-dir`);
    }
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  close(): void {
    this.db.close();
  }

  /** Inserts a queued job if fewer than `maxQueued` are queued; false when the queue is full. */
  insertIfRoom(job: NewJob, maxQueued: number): boolean {
    return this.db.transaction((): boolean => {
      if (this.countByStatus("queued") >= maxQueued) return false;
      this.db
        .prepare("INSERT INTO jobs (id, status, params, input, created_at) VALUES (?, 'queued', ?, ?, ?)")
        .run(job.id, JSON.stringify(job.params), JSON.stringify(job.input), job.createdAt);
      return true;
    }).immediate();
  }

  get(id: string): JobRow | undefined {
    const row = this.db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
    return row && toJob(row);
  }

  /** Newest first. */
  list(options: ListOptions): JobRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (options.before !== undefined) {
      where.push("seq < ?");
      args.push(options.before);
    }
    if (options.status !== undefined) {
      where.push("status = ?");
      args.push(options.status);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, options.limit) as Row[]).map(toJob);
  }

  countByStatus(status: JobStatus): number {
    return (this.db.prepare("SELECT count(*) AS n FROM jobs WHERE status = ?").get(status) as { n: number }).n;
  }

  /** How many jobs run or wait before this queued one (0: it is next). */
  jobsAhead(job: JobRow): number {
    const row = this.db
      .prepare("SELECT count(*) AS n FROM jobs WHERE (status = 'queued' AND seq < ?) OR status = 'running'")
      .get(job.seq) as { n: number };
    return row.n;
  }

  /** Moves the oldest queued job to running and returns it (undefined: none queued). */
  claimNext(worker: string, now: number): JobRow | undefined {
    return this.db.transaction((): JobRow | undefined => {
      const row = this.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1").get() as Row | undefined;
      if (!row) return undefined;
      this.db
        .prepare("UPDATE jobs SET status = 'running', started_at = ?, attempts = attempts + 1, worker = ? WHERE seq = ?")
        .run(now, worker, row.seq);
      return this.get(row.id);
    }).immediate();
  }

  /**
   * A remote worker started attempt `attempt` of this job (the Redis queue chooses which job and
   * counts attempts). Absolute, not incremental: a repeated or late message changes nothing.
   */
  markStartedRemote(id: string, worker: string, attempt: number, now: number): boolean {
    const result = this.db
      .prepare("UPDATE jobs SET status = 'running', started_at = ?, attempts = ?, worker = ? WHERE id = ? AND status IN ('queued', 'running') AND attempts < ?")
      .run(now, attempt, worker, id, attempt);
    return result.changes === 1;
  }

  finishDone(id: string, record: unknown, warnings: readonly string[], now: number): boolean {
    const result = this.db
      .prepare("UPDATE jobs SET status = 'done', finished_at = ?, record = ?, warnings = ?, error_code = NULL, error_message = NULL WHERE id = ? AND status = 'running'")
      .run(now, JSON.stringify(record), JSON.stringify(warnings), id);
    return result.changes === 1;
  }

  /** A running or queued job fails (a queued one can fail when its input is gone, say). */
  finishFailed(id: string, error: JobError, warnings: readonly string[], now: number): boolean {
    const result = this.db
      .prepare("UPDATE jobs SET status = 'failed', finished_at = ?, error_code = ?, error_message = ?, warnings = ? WHERE id = ? AND status IN ('queued', 'running')")
      .run(now, error.code, error.message, JSON.stringify(warnings), id);
    return result.changes === 1;
  }

  finishCancelled(id: string, now: number): boolean {
    const result = this.db
      .prepare("UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('queued', 'running')")
      .run(now, id);
    return result.changes === 1;
  }

  /** Cancels a job that has not started; false if it is no longer queued. */
  cancelQueued(id: string, now: number): boolean {
    const result = this.db.prepare("UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'queued'").run(now, id);
    return result.changes === 1;
  }

  /** Notes that a running job is to stop (so that a restart does not run it again). */
  requestCancel(id: string): boolean {
    const result = this.db.prepare("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'").run(id);
    return result.changes === 1;
  }

  /** A running job goes back to the queue without counting as an interruption (orderly shutdown). */
  requeue(id: string): boolean {
    const result = this.db
      .prepare("UPDATE jobs SET status = 'queued', started_at = NULL, attempts = max(attempts - 1, 0), worker = NULL WHERE id = ? AND status = 'running'")
      .run(id);
    return result.changes === 1;
  }

  /** Counts an interruption of a running job: back to the queue once, failed the second time. */
  interrupt(id: string, now: number): "requeued" | "failed" | "cancelled" | "not-running" {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT * FROM jobs WHERE id = ? AND status = 'running'").get(id) as Row | undefined;
      if (!row) return "not-running" as const;
      if (row.cancel_requested) {
        this.db.prepare("UPDATE jobs SET status = 'cancelled', finished_at = ?, interruptions = interruptions + 1 WHERE seq = ?").run(now, row.seq);
        return "cancelled" as const;
      }
      if (row.interruptions + 1 >= 2) {
        this.db
          .prepare("UPDATE jobs SET status = 'failed', finished_at = ?, interruptions = interruptions + 1, error_code = ?, error_message = ? WHERE seq = ?")
          .run(now, INTERRUPTED_TWICE.code, INTERRUPTED_TWICE.message, row.seq);
        return "failed" as const;
      }
      this.db.prepare("UPDATE jobs SET status = 'queued', started_at = NULL, worker = NULL, interruptions = interruptions + 1 WHERE seq = ?").run(row.seq);
      return "requeued" as const;
    }).immediate();
  }

  /**
   * The Redis queue put a running job back in the queue (its worker died, or stopped in order)
   * after attempt `attempt`; `interruptions` is the queue's own count of worker deaths. Nothing
   * changes if a later attempt has started meanwhile.
   */
  requeueRemote(id: string, attempt: number, interruptions: number): boolean {
    const result = this.db
      .prepare("UPDATE jobs SET status = 'queued', started_at = NULL, worker = NULL, interruptions = max(interruptions, ?) WHERE id = ? AND status = 'running' AND attempts <= ?")
      .run(interruptions, id, attempt);
    return result.changes === 1;
  }

  /** The Redis queue's count of worker deaths for a job (never lowered). */
  noteInterruptions(id: string, interruptions: number): void {
    this.db.prepare("UPDATE jobs SET interruptions = max(interruptions, ?) WHERE id = ?").run(interruptions, id);
  }

  /** Jobs not finished yet, oldest first. */
  unfinished(): JobRow[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY seq").all() as Row[]).map(toJob);
  }

  /** At start-up (one process per data dir): every job left running was interrupted by a crash. */
  recover(now: number): Recovery {
    const running = (this.db.prepare("SELECT id FROM jobs WHERE status = 'running' ORDER BY seq").all() as { id: string }[]).map((r) => r.id);
    const requeued: string[] = [];
    const failed: string[] = [];
    const cancelled: string[] = [];
    for (const id of running) {
      const outcome = this.interrupt(id, now);
      if (outcome === "requeued") requeued.push(id);
      else if (outcome === "failed") failed.push(id);
      else if (outcome === "cancelled") cancelled.push(id);
    }
    return { requeued, failed, cancelled };
  }

  /** Ids of every job, for checking the data dir's files against the records. */
  allIds(): Set<string> {
    return new Set((this.db.prepare("SELECT id FROM jobs").all() as { id: string }[]).map((r) => r.id));
  }

  /** Mean run time in ms of the last `n` finished jobs (undefined: none yet). */
  meanRunMs(n: number): number | undefined {
    const row = this.db
      .prepare("SELECT avg(finished_at - started_at) AS ms FROM (SELECT finished_at, started_at FROM jobs WHERE status = 'done' ORDER BY seq DESC LIMIT ?)")
      .get(n) as { ms: number | null };
    return row.ms ?? undefined;
  }
}
