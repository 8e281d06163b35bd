import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DataDir } from "../../src/server/data-dir.js";
import { finishWithResult } from "../../src/server/finish-job.js";
import { newJobId } from "../../src/server/ids.js";
import { applyRetention, KeepOptionError, parseKeep, removeJob, startRetention } from "../../src/server/retention.js";
import { JobStore } from "../../src/server/store.js";
import { tidyDataDir } from "../../src/server/tidy-data-dir.js";
import { suiteTempDir } from "./fixtures.js";

const DAY = 86_400_000;

/** A store and data dir with finished jobs (finished on the given days) and one queued, one running. */
interface Fixture {
  readonly store: JobStore;
  readonly dir: DataDir;
  readonly finished: string[];
  readonly queued: string;
  readonly running: string;
}

async function fixture(root: string, finishedDays: readonly number[]): Promise<Fixture> {
  const dir = new DataDir(root);
  const store = new JobStore(dir.database);
  const add = async (n: number): Promise<string> => {
    const id = newJobId();
    await dir.writeInput(id, "jpeg", new Uint8Array([n]));
    const params = { instruction: `job ${n}`, seed: n, steps: 1, guidance: 50, width: 64 };
    store.insertIfRoom({ id, params, input: { format: "jpeg", width: 8, height: 8, bytes: 1 }, createdAt: n }, 100);
    return id;
  };
  const finished: string[] = [];
  for (const [n, day] of finishedDays.entries()) {
    const id = await add(n);
    const job = store.claimNext("local", day * DAY);
    assert.equal(job?.id, id);
    await finishWithResult(
      store,
      dir,
      job,
      { png: new Uint8Array([1, 2, n]), candidates: new Uint8Array([9]), record: { n }, warnings: [] },
      day * DAY,
    );
    finished.push(id);
  }
  const running = await add(100);
  store.claimNext("local", 0);
  const queued = await add(101);
  return { store, dir, finished, queued, running };
}

function filesOf(dir: DataDir, id: string): boolean[] {
  return [
    existsSync(dir.inputPath(id, "jpeg")),
    dir.hasResult(id),
    dir.hasCandidates(id),
    existsSync(join(dir.root, "results", `${id}.json`)),
  ];
}

describe("job retention (--keep) and removing a finished job", () => {
  const inDir = suiteTempDir("icedit-keep-");

  it("parses ages, counts and both; refuses anything else with what to write", () => {
    assert.deepEqual(parseKeep("7d"), { maxAgeMs: 7 * DAY, maxCount: undefined });
    assert.deepEqual(parseKeep("1000"), { maxAgeMs: undefined, maxCount: 1000 });
    assert.deepEqual(parseKeep("12h,50"), { maxAgeMs: 12 * 3_600_000, maxCount: 50 });
    assert.deepEqual(parseKeep("2w"), { maxAgeMs: 14 * DAY, maxCount: undefined });
    assert.deepEqual(parseKeep("0"), { maxAgeMs: undefined, maxCount: 0 });
    for (const bad of ["", "7x", "-1", "1.5d", "0d", "7d,7d", "3,4", "7 days"]) {
      assert.throws(
        () => parseKeep(bad),
        (error: unknown) => error instanceof KeepOptionError && /give an age \(30m, 12h, 7d, 2w\)/.test(error.message),
        bad,
      );
    }
  });

  it("removes exactly the finished jobs older than the age, with all their files; queued and running jobs stay", async () => {
    const { store, dir, finished, queued, running } = await fixture(inDir("age"), [1, 2, 3, 8, 9]);
    try {
      assert.equal(await applyRetention(store, dir, parseKeep("7d"), 10 * DAY), 2, "finished exactly 7 days ago: not older than 7d");
      assert.equal(await applyRetention(store, dir, parseKeep("7d"), 10 * DAY + 1), 1);
      assert.deepEqual([...store.allIds()].sort(), [finished[3], finished[4], queued, running].sort());
      for (const id of finished.slice(0, 3)) assert.deepEqual(filesOf(dir, id), [false, false, false, false], id);
      for (const id of finished.slice(3)) assert.deepEqual(filesOf(dir, id), [true, true, true, true], id);
      assert.equal(existsSync(dir.inputPath(queued, "jpeg")), true);
      assert.deepEqual(store.removedIds(), new Set(), "every removal finished");
      assert.equal(await applyRetention(store, dir, parseKeep("7d"), 10 * DAY + 1), 0, "nothing more to do");
    } finally {
      store.close();
    }
  });

  it("keeps the newest N finished jobs, and age and count together remove the union", async () => {
    const { store, dir, finished, queued, running } = await fixture(inDir("count"), [1, 2, 3, 4, 5]);
    try {
      assert.equal(await applyRetention(store, dir, parseKeep("2"), 6 * DAY), 3);
      assert.deepEqual([...store.allIds()].sort(), [finished[3], finished[4], queued, running].sort());
      assert.equal(await applyRetention(store, dir, parseKeep("30d,1"), 6 * DAY), 1);
      assert.deepEqual([...store.allIds()].sort(), [finished[4], queued, running].sort());
    } finally {
      store.close();
    }
  });

  it("refuses to remove a queued or running job", async () => {
    const { store, dir, queued, running } = await fixture(inDir("unfinished"), [1]);
    try {
      assert.equal(await removeJob(store, dir, queued, 5), "unfinished");
      assert.equal(await removeJob(store, dir, running, 5), "unfinished");
      assert.equal(await removeJob(store, dir, newJobId(), 5), "missing");
      assert.equal(store.get(queued)?.status, "queued");
    } finally {
      store.close();
    }
  });

  it("a crash between the row and the files: the next start removes the files, and only those", async () => {
    const { store, dir, finished } = await fixture(inDir("crash"), [1, 2]);
    const [gone, stays] = finished as [string, string];
    assert.equal(store.removeFinished(gone, 3 * DAY), "removed"); // the row went; the process dies before the files
    store.close();
    const reopened = new JobStore(dir.database);
    try {
      const lines: string[] = [];
      const report = await tidyDataDir(reopened, dir, (line) => lines.push(line));
      assert.equal(report.removed, 4);
      assert.deepEqual(report.adopted, [], "a removed job is not listed again from its record");
      assert.deepEqual(filesOf(dir, gone), [false, false, false, false]);
      assert.deepEqual(filesOf(dir, stays), [true, true, true, true]);
      assert.deepEqual(reopened.removedIds(), new Set());
    } finally {
      reopened.close();
    }
  });

  it("applies the policy at start and returns a stop for its hourly timer", async () => {
    const { store, dir, finished } = await fixture(inDir("timer"), [1, 2]);
    try {
      const lines: string[] = [];
      const stop = await startRetention(store, dir, { maxCount: 1 }, (line) => lines.push(line));
      await stop();
      assert.deepEqual(lines, ["--keep: removed 1 finished job(s) with their files"]);
      assert.equal(store.get(finished[0] as string), undefined);
      assert.equal(store.get(finished[1] as string)?.status, "done");
    } finally {
      store.close();
    }
  });
});
