/**
 * The job records: one SQLite database (better-sqlite3, WAL, synchronous=FULL) in the data dir.
 * State changes are single statements or transactions, so a crash at any point leaves each job in
 * exactly one state. Progress is not stored (it changes every step and is stale after a crash).
 */
import Database from "better-sqlite3";
import type { EditParams, InputInfo, JobError, JobRow, JobStatus, ResultDigest } from "./job.js";
import { JobStoreError, withStoreErrors } from "./store-errors.js";

/** 1: jobs. 2: the result's size and SHA-256 (jobs.result_bytes, result_sha256), removed_jobs. */
const SCHEMA_VERSION = 2;

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
  record TEXT,
  result_bytes INTEGER,
  result_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
CREATE TABLE IF NOT EXISTS removed_jobs (
  id TEXT PRIMARY KEY,
  input_format TEXT NOT NULL,
  removed_at INTEGER NOT NULL
);
`;

/** Schema 1 databases get the columns of schema 2. */
const MIGRATIONS: readonly string[] = [
  "ALTER TABLE jobs ADD COLUMN result_bytes INTEGER",
  "ALTER TABLE jobs ADD COLUMN result_sha256 TEXT",
];

const OUR_TABLES = new Set(["jobs", "removed_jobs"]);
const V1_COLUMNS = [
  "seq",
  "id",
  "status",
  "params",
  "input",
  "created_at",
  "started_at",
  "finished_at",
  "attempts",
  "interruptions",
  "warnings",
  "record",
];

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
  result_bytes: number | null;
  result_sha256: string | null;
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
    result: row.result_bytes === null || row.result_sha256 === null ? null : { bytes: row.result_bytes, sha256: row.result_sha256 },
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
  message:
    "interrupted twice: the server stopped while this job ran, was restarted, retried it once, and stopped again; it is not retried again",
};

/** A finished job whose record was lost (jobs.db missing or replaced), as its result's sidecar tells it. */
export type AdoptedJob = Omit<JobRow, "seq" | "status" | "cancelRequested" | "error">;

/** Which finished jobs the retention removes: older than `maxAgeMs`, or beyond the newest `maxCount`. */
export interface RetentionPolicy {
  readonly maxAgeMs?: number;
  readonly maxCount?: number;
}

export class JobStore {
  private readonly db: Database.Database;

  /** Opens (or creates) the job records; a damaged, foreign or unwritable file is a JobStoreError. */
  constructor(readonly path: string) {
    this.db = withStoreErrors(path, () => openDatabase(path));
  }

  close(): void {
    this.db.close();
  }

  /** Inserts a queued job if fewer than `maxQueued` are queued; false when the queue is full. */
  insertIfRoom(job: NewJob, maxQueued: number): boolean {
    return this.insertAllIfRoom([job], maxQueued);
  }

  /** Inserts all the jobs, in order, if the queue has room for all of them; false (none inserted) when it has not. */
  insertAllIfRoom(jobs: readonly NewJob[], maxQueued: number): boolean {
    return this.db
      .transaction((): boolean => {
        if (this.countByStatus("queued") + jobs.length > maxQueued) return false;
        const insert = this.db.prepare("INSERT INTO jobs (id, status, params, input, created_at) VALUES (?, 'queued', ?, ?, ?)");
        for (const job of jobs) insert.run(job.id, JSON.stringify(job.params), JSON.stringify(job.input), job.createdAt);
        return true;
      })
      .immediate();
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
    return this.db
      .transaction((): JobRow | undefined => {
        const row = this.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1").get() as Row | undefined;
        if (!row) return undefined;
        this.db
          .prepare("UPDATE jobs SET status = 'running', started_at = ?, attempts = attempts + 1, worker = ? WHERE seq = ?")
          .run(now, worker, row.seq);
        return this.get(row.id);
      })
      .immediate();
  }

  /**
   * A remote worker started attempt `attempt` of this job (the Redis queue chooses which job and
   * counts attempts). Absolute, not incremental: a repeated or late message changes nothing, except
   * that a start recorded without its worker (null: seen in the queue before the worker reported)
   * takes the worker's name when the worker's own report of that attempt comes.
   */
  markStartedRemote(id: string, worker: string | null, attempt: number, now: number): boolean {
    const started = this.db
      .prepare(
        "UPDATE jobs SET status = 'running', started_at = ?, attempts = ?, worker = ? WHERE id = ? AND status IN ('queued', 'running') AND attempts < ?",
      )
      .run(now, attempt, worker, id, attempt);
    if (started.changes === 1 || worker === null) return started.changes === 1;
    const named = this.db
      .prepare("UPDATE jobs SET worker = ? WHERE id = ? AND status = 'running' AND attempts = ? AND worker IS NULL")
      .run(worker, id, attempt);
    return named.changes === 1;
  }

  /** `digest`: the result file's size and SHA-256, checked before it is served. */
  finishDone(id: string, record: unknown, warnings: readonly string[], now: number, digest?: ResultDigest): boolean {
    const result = this.db
      .prepare(
        "UPDATE jobs SET status = 'done', finished_at = ?, record = ?, warnings = ?, error_code = NULL, error_message = NULL, " +
          "result_bytes = ?, result_sha256 = ? WHERE id = ? AND status = 'running'",
      )
      .run(now, JSON.stringify(record), JSON.stringify(warnings), digest?.bytes ?? null, digest?.sha256 ?? null, id);
    return result.changes === 1;
  }

  /** Lists again a finished job whose row was lost; false if a job with its id is known already. */
  adopt(job: AdoptedJob): boolean {
    const result = this.db
      .prepare(
        "INSERT OR IGNORE INTO jobs (id, status, params, input, created_at, started_at, finished_at, attempts, interruptions, worker, warnings, record, " +
          "result_bytes, result_sha256) VALUES (?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        job.id,
        JSON.stringify(job.params),
        JSON.stringify(job.input),
        job.createdAt,
        job.startedAt,
        job.finishedAt,
        job.attempts,
        job.interruptions,
        job.worker,
        JSON.stringify(job.warnings),
        JSON.stringify(job.record),
        job.result?.bytes ?? null,
        job.result?.sha256 ?? null,
      );
    return result.changes === 1;
  }

  /**
   * Removes a finished job's row and notes it in removed_jobs, in one transaction: its files go
   * after (removeFiles), and a crash in between leaves files that the next start knows to remove.
   */
  removeFinished(id: string, now: number): "removed" | "unfinished" | "missing" {
    return this.db
      .transaction(() => {
        const row = this.db.prepare("SELECT status, input FROM jobs WHERE id = ?").get(id) as Pick<Row, "status" | "input"> | undefined;
        if (!row) return "missing" as const;
        if (row.status === "queued" || row.status === "running") return "unfinished" as const;
        const format = (JSON.parse(row.input) as InputInfo).format;
        this.db.prepare("DELETE FROM jobs WHERE id = ?").run(id);
        this.db.prepare("INSERT OR REPLACE INTO removed_jobs (id, input_format, removed_at) VALUES (?, ?, ?)").run(id, format, now);
        return "removed" as const;
      })
      .immediate();
  }

  /** Ids of removed jobs whose files may still be on disk (the row goes first, the files after). */
  removedIds(): Set<string> {
    return new Set((this.db.prepare("SELECT id FROM removed_jobs").all() as { id: string }[]).map((r) => r.id));
  }

  /** The files of a removed job are gone. */
  forgetRemoved(id: string): void {
    this.db.prepare("DELETE FROM removed_jobs WHERE id = ?").run(id);
  }

  /** Finished jobs the policy lets go, oldest first (queued and running jobs are never counted). */
  expired(policy: RetentionPolicy, now: number): string[] {
    const ids = new Set<string>();
    if (policy.maxAgeMs !== undefined) {
      const rows = this.db
        .prepare(
          "SELECT id FROM jobs WHERE status IN ('done', 'failed', 'cancelled') AND coalesce(finished_at, created_at) < ? ORDER BY seq",
        )
        .all(now - policy.maxAgeMs) as { id: string }[];
      for (const r of rows) ids.add(r.id);
    }
    if (policy.maxCount !== undefined) {
      const rows = this.db
        .prepare("SELECT id FROM jobs WHERE status IN ('done', 'failed', 'cancelled') ORDER BY seq DESC LIMIT -1 OFFSET ?")
        .all(policy.maxCount) as { id: string }[];
      for (const r of rows.reverse()) ids.add(r.id);
    }
    return [...ids];
  }

  /** A running or queued job fails (a queued one can fail when its input is gone, say). */
  finishFailed(id: string, error: JobError, warnings: readonly string[], now: number): boolean {
    const result = this.db
      .prepare(
        "UPDATE jobs SET status = 'failed', finished_at = ?, error_code = ?, error_message = ?, warnings = ? WHERE id = ? AND status IN ('queued', 'running')",
      )
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
      .prepare(
        "UPDATE jobs SET status = 'queued', started_at = NULL, attempts = max(attempts - 1, 0), worker = NULL WHERE id = ? AND status = 'running'",
      )
      .run(id);
    return result.changes === 1;
  }

  /** Counts an interruption of a running job: back to the queue once, failed the second time. */
  interrupt(id: string, now: number): "requeued" | "failed" | "cancelled" | "not-running" {
    return this.db
      .transaction(() => {
        const row = this.db.prepare("SELECT * FROM jobs WHERE id = ? AND status = 'running'").get(id) as Row | undefined;
        if (!row) return "not-running" as const;
        if (row.cancel_requested) {
          this.db
            .prepare("UPDATE jobs SET status = 'cancelled', finished_at = ?, interruptions = interruptions + 1 WHERE seq = ?")
            .run(now, row.seq);
          return "cancelled" as const;
        }
        if (row.interruptions + 1 >= 2) {
          this.db
            .prepare(
              "UPDATE jobs SET status = 'failed', finished_at = ?, interruptions = interruptions + 1, error_code = ?, error_message = ? WHERE seq = ?",
            )
            .run(now, INTERRUPTED_TWICE.code, INTERRUPTED_TWICE.message, row.seq);
          return "failed" as const;
        }
        this.db
          .prepare("UPDATE jobs SET status = 'queued', started_at = NULL, worker = NULL, interruptions = interruptions + 1 WHERE seq = ?")
          .run(row.seq);
        return "requeued" as const;
      })
      .immediate();
  }

  /**
   * The Redis queue put a running job back in the queue (its worker died, or stopped in order)
   * after attempt `attempt`; `interruptions` is the queue's own count of worker deaths. Nothing
   * changes if a later attempt has started meanwhile.
   */
  requeueRemote(id: string, attempt: number, interruptions: number): boolean {
    const result = this.db
      .prepare(
        "UPDATE jobs SET status = 'queued', started_at = NULL, worker = NULL, interruptions = max(interruptions, ?) WHERE id = ? AND status = 'running' AND attempts <= ?",
      )
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
    const running = (this.db.prepare("SELECT id FROM jobs WHERE status = 'running' ORDER BY seq").all() as { id: string }[]).map(
      (r) => r.id,
    );
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
      .prepare(
        "SELECT avg(finished_at - started_at) AS ms FROM (SELECT finished_at, started_at FROM jobs WHERE status = 'done' ORDER BY seq DESC LIMIT ?)",
      )
      .get(n) as { ms: number | null };
    return row.ms ?? undefined;
  }
}

function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 5000");
    quickCheck(db, path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      const known = `schema ${version}, this one knows ${SCHEMA_VERSION}`;
      throw new JobStoreError(`${path} was written by a newer icedit (${known}); use a newer icedit or another --data-dir`);
    }
    const tableRows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[];
    const tables = tableRows.map((r) => r.name);
    const foreign = tables.filter((name) => !OUR_TABLES.has(name));
    if (foreign.length > 0) {
      throw new JobStoreError(
        `${path} is not an icedit job database (it has the tables ${foreign.join(", ")}): move it away, or choose another --data-dir`,
      );
    }
    if (tables.includes("jobs")) {
      const columns = new Set((db.pragma("table_info(jobs)") as { name: string }[]).map((c) => c.name));
      const missing = V1_COLUMNS.filter((c) => !columns.has(c));
      if (missing.length > 0) {
        const lacks = `its jobs table lacks ${missing.join(", ")}`;
        throw new JobStoreError(`${path} is not an icedit job database (${lacks}): move it away, or choose another --data-dir`);
      }
    }
    db.transaction(() => {
      db.exec(SCHEMA);
      if (version === 1) for (const sql of MIGRATIONS) db.exec(sql);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Reads every page's structure (fast: no index cross-checks), so that damage shows at start, not as a 500 later. */
function quickCheck(db: Database.Database, path: string): void {
  const rows = db.pragma("quick_check") as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((line) => line !== "ok");
  if (problems.length > 0) {
    const what = problems.slice(0, 2).join("; ");
    throw new JobStoreError(`${path} is damaged (${what}): restore it from a backup, or move it away to start with an empty job list`);
  }
}
