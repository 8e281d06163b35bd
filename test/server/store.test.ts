import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataDir } from "../../src/server/data-dir.js";
import { newJobId } from "../../src/server/ids.js";
import { JobStore, type NewJob } from "../../src/server/store.js";

function job(n: number): NewJob {
  return {
    id: newJobId(),
    params: { instruction: `edit ${n}`, seed: n, steps: 1, guidance: 50, width: 64 },
    input: { format: "png", width: 8, height: 8, bytes: 100 },
    createdAt: 1000 + n,
  };
}

describe("job records (SQLite) and the data dir", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-store-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("bounds the queue, hands jobs out in submission order, and keeps state across reopening", () => {
    const path = join(dir, "a.db");
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
    const store = new JobStore(join(dir, "b.db"));
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

  it("takes the Redis queue's attempts and stalls as absolute facts, so late or repeated events change nothing", () => {
    const store = new JobStore(join(dir, "c.db"));
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

  it("sweeps what a crash leaves in the data dir: temporary files and uploads without a record", async () => {
    const data = new DataDir(join(dir, "data"));
    const kept = newJobId();
    const orphan = newJobId();
    await data.writeInput(kept, "png", new Uint8Array([1]));
    await data.writeInput(orphan, "png", new Uint8Array([2]));
    await data.writeResult(kept, new Uint8Array([3]));
    const temp = join(data.root, "results", `.${kept}.png.123.abc.tmp`);
    await writeFile(temp, "partial");
    assert.equal(data.sweep(new Set([kept])), 2);
    assert.deepEqual(await readdir(join(data.root, "inputs")), [`${kept}.png`]);
    assert.equal(existsSync(temp), false);
    assert.equal(data.hasResult(kept), true);
    assert.throws(() => data.inputPath("../../etc/passwd", "png"), /not a job id/);
  });
});
