import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DataDir } from "../../src/server/data-dir.js";
import { newJobId } from "../../src/server/ids.js";
import { JobStore, type NewJob } from "../../src/server/store.js";
import { suiteTempDir } from "./fixtures.js";

function job(n: number): NewJob {
  return {
    id: newJobId(),
    params: { instruction: `edit ${n}`, seed: n, steps: 1, guidance: 50, width: 64 },
    input: { format: "png", width: 8, height: 8, bytes: 100 },
    createdAt: 1000 + n,
  };
}

describe("job records (SQLite) and the data dir", () => {
  const inDir = suiteTempDir("icedit-store-");

  it("bounds the queue, hands jobs out in submission order, and keeps state across reopening", () => {
    const path = inDir("a.db");
    const store = new JobStore(path);
    const jobs = [job(1), job(2), job(3)];
    for (const j of jobs) assert.equal(store.insertIfRoom(j, 3), true);
    assert.equal(store.insertIfRoom(job(4), 3), false, "full");
    assert.equal(store.claimNext("local", 2000)?.id, jobs[0]?.id);
    assert.equal(store.insertIfRoom(job(5), 3), true, "a running job leaves the queue");
    assert.equal(store.jobsAhead(store.get(jobs[2]?.id ?? "")!), 2, "the running job and one queued before it");
    assert.equal(store.finishDone(jobs[0]?.id ?? "", { ok: true }, ["w"], 3000), true);
    store.close();

    const reopened = new JobStore(path);
    const done = reopened.get(jobs[0]?.id ?? "");
    assert.equal(done?.status, "done");
    assert.deepEqual(done?.record, { ok: true });
    assert.deepEqual(done?.warnings, ["w"]);
    assert.equal(reopened.claimNext("local", 4000)?.id, jobs[1]?.id);
    reopened.close();
  });

  it("after a crash: requeues a running job once, fails it the second time, cancels one whose cancel was asked", () => {
    const store = new JobStore(inDir("b.db"));
    const a = job(1);
    const b = job(2);
    store.insertIfRoom(a, 10);
    store.insertIfRoom(b, 10);
    store.claimNext("local", 1);
    assert.deepEqual(store.recover(2), { requeued: [a.id], failed: [], cancelled: [] });
    assert.equal(store.get(a.id)?.status, "queued");
    assert.equal(store.claimNext("local", 3)?.id, a.id, "the retried job runs first");
    assert.equal(store.get(a.id)?.attempts, 2);
    assert.deepEqual(store.recover(4), { requeued: [], failed: [a.id], cancelled: [] });
    const failed = store.get(a.id);
    assert.equal(failed?.status, "failed");
    assert.equal(failed?.error?.code, "interrupted");
    assert.match(failed?.error?.message ?? "", /interrupted twice/);

    store.claimNext("local", 5);
    assert.equal(store.requestCancel(b.id), true);
    assert.deepEqual(store.recover(6), { requeued: [], failed: [], cancelled: [b.id] });
    assert.equal(store.get(b.id)?.status, "cancelled");
    store.close();
  });

  it("inserts several jobs all or none: n jobs need room for n", () => {
    const store = new JobStore(inDir("several.db"));
    assert.equal(store.insertIfRoom(job(1), 3), true);
    const pair = [job(2), job(3)];
    assert.equal(store.insertAllIfRoom([...pair, job(4)], 3), false, "three more do not fit beside one");
    assert.equal(store.countByStatus("queued"), 1, "none of the three was inserted");
    assert.equal(store.insertAllIfRoom(pair, 3), true);
    assert.equal(store.countByStatus("queued"), 3);
    assert.equal(store.get(pair[1]?.id ?? "")?.seq, (store.get(pair[0]?.id ?? "")?.seq ?? 0) + 1, "inserted in order");
    store.close();
  });

  it("takes the Redis queue's attempts and stalls as absolute facts, so late or repeated events change nothing", () => {
    const store = new JobStore(inDir("c.db"));
    const a = job(1);
    store.insertIfRoom(a, 10);
    assert.equal(store.markStartedRemote(a.id, "w1", 1, 10), true);
    assert.equal(store.markStartedRemote(a.id, "w1", 1, 11), false, "the same start again");
    assert.equal(store.get(a.id)?.startedAt, 10);
    assert.equal(store.requeueRemote(a.id, 1, 1), true, "w1 died during attempt 1");
    assert.equal(store.markStartedRemote(a.id, "w2", 2, 20), true);
    assert.equal(store.requeueRemote(a.id, 1, 1), false, "a late report about attempt 1 does not stop attempt 2");
    assert.equal(store.markStartedRemote(a.id, "w1", 1, 21), false, "nor does a late start of attempt 1");
    store.noteInterruptions(a.id, 1);
    const running = store.get(a.id);
    assert.deepEqual([running?.status, running?.worker, running?.attempts, running?.interruptions], ["running", "w2", 2, 1]);
    store.close();
  });

  it("a remote start seen before its worker reported has no worker until the worker's own report of that attempt names it", () => {
    const store = new JobStore(inDir("d.db"));
    const a = job(1);
    store.insertIfRoom(a, 10);
    assert.equal(store.markStartedRemote(a.id, null, 1, 10), true, "the reconciler sees it active");
    assert.deepEqual([store.get(a.id)?.status, store.get(a.id)?.worker], ["running", null]);
    assert.equal(store.markStartedRemote(a.id, null, 1, 11), false);
    assert.equal(store.markStartedRemote(a.id, "w1", 1, 12), true, "the worker's report names it");
    assert.deepEqual([store.get(a.id)?.worker, store.get(a.id)?.startedAt], ["w1", 10]);
    assert.equal(store.markStartedRemote(a.id, "w2", 1, 13), false, "a named start keeps its worker");
    assert.equal(store.get(a.id)?.worker, "w1");
    store.close();
  });

  it("sweeps only provable debris: temporary files of interrupted writes and files of removed jobs; unknown ids are kept and reported", async () => {
    const data = new DataDir(inDir("data"));
    const kept = newJobId();
    const unknown = newJobId();
    const removed = newJobId();
    await data.writeInput(kept, "png", new Uint8Array([1]));
    await data.writeInput(unknown, "png", new Uint8Array([2]));
    await data.writeResult(unknown, new Uint8Array([4]));
    await data.writeResult(kept, new Uint8Array([3]));
    await data.writeInput(removed, "webp", new Uint8Array([5]));
    await data.writeResult(removed, new Uint8Array([6]));
    const temp = join(data.root, "results", `.${kept}.png.123.0123456789ab.tmp`);
    await writeFile(temp, "partial");
    const strangeDotFile = join(data.root, "results", ".notes.tmp");
    await writeFile(strangeDotFile, "not ours");
    const report = data.sweep(new Set([kept]), new Set([removed]));
    assert.deepEqual(report, { removed: 3, unknown: [unknown] });
    assert.deepEqual((await readdir(join(data.root, "inputs"))).sort(), [`${kept}.png`, `${unknown}.png`].sort());
    assert.equal(existsSync(temp), false);
    assert.equal(existsSync(strangeDotFile), true, "a file that is not an interrupted write's is not ours to delete");
    assert.equal(data.hasResult(kept), true);
    assert.equal(data.hasResult(unknown), true, "an unknown result is never deleted");
    assert.throws(() => data.inputPath("../../etc/passwd", "png"), /not a job id/);
  });

  it("migrates a schema 1 database: the rows stay, results get a size and SHA-256 column", () => {
    const path = inDir("v1.db");
    const old = new Database(path);
    old.exec(SCHEMA_1);
    old
      .prepare("INSERT INTO jobs (id, status, params, input, created_at, finished_at) VALUES (?, 'done', ?, ?, 1, 2)")
      .run("ed_aaaaaaaaaaaaaaaaaaaa", JSON.stringify(job(1).params), JSON.stringify(job(1).input));
    old.pragma("user_version = 1");
    old.close();
    const store = new JobStore(path);
    try {
      const row = store.get("ed_aaaaaaaaaaaaaaaaaaaa");
      assert.equal(row?.status, "done");
      assert.equal(row?.result, null, "an old result has no digest (served unchecked)");
      const fresh = job(2);
      store.insertIfRoom(fresh, 10);
      store.claimNext("local", 5);
      store.finishDone(fresh.id, {}, [], 6, { bytes: 3, sha256: "ab" });
      assert.deepEqual(store.get(fresh.id)?.result, { bytes: 3, sha256: "ab" });
    } finally {
      store.close();
    }
  });
});

/** The jobs table as icedit 0.x (schema 1) made it. */
const SCHEMA_1 = `CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  params TEXT NOT NULL, input TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0, interruptions INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,
  worker TEXT, error_code TEXT, error_message TEXT, warnings TEXT NOT NULL DEFAULT '[]', record TEXT);
CREATE INDEX jobs_by_status ON jobs (status, seq);`;
