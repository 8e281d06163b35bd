import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DataDir, DataDirError } from "../../src/server/data-dir.js";
import { fsReason } from "../../src/image/fs-reason.js";
import { JobStore } from "../../src/server/store.js";
import { jobStoreError, JobStoreError, withStoreErrors } from "../../src/server/store-errors.js";
import { suiteTempDir } from "./fixtures.js";
import { ROOT } from "./helpers.js";

/** `icedit serve` on `dataDir`: it must fail before it needs a model. */
function serveOnce(dataDir: string, options: { uid?: number } = {}): { status: number | null; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [`${ROOT}bin/icedit.js`, "serve", "--port", "0", "--data-dir", dataDir, "--model", "/nonexistent"],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
      uid: options.uid,
      gid: options.uid,
    },
  );
  return { status: result.status, stderr: result.stderr };
}

function storeError(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => error instanceof JobStoreError && pattern.test(error.message);
}

/** The error `body` throws (fails the test when it throws none). */
function captured(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error");
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0] ?? "", pattern);
  assert.doesNotMatch(stderr, /\n\s+at |SqliteError|node:internal/, "no stack trace");
}

describe("storage errors: one clear line each, never a stack trace", () => {
  const inDir = suiteTempDir("icedit-storage-");

  it("a jobs.db that is garbage", async () => {
    const data = inDir("garbage");
    await mkdir(data);
    await writeFile(join(data, "jobs.db"), "this is not a database, just some text someone saved here by mistake ".repeat(20));
    assert.throws(() => new JobStore(join(data, "jobs.db")), storeError(/is not an SQLite database/));
    const run = serveOnce(data);
    assert.equal(run.status, 1);
    assertOneLine(run.stderr, /^icedit serve: .*jobs\.db is not an SQLite database .*restore it from a backup, or move it away/);
  });

  it("a jobs.db that is a directory", async () => {
    const data = inDir("directory");
    await mkdir(join(data, "jobs.db"), { recursive: true });
    assert.throws(() => new JobStore(join(data, "jobs.db")), storeError(/cannot open .*is it a directory/));
    const run = serveOnce(data);
    assert.equal(run.status, 1);
    assertOneLine(run.stderr, /^icedit serve: cannot open .*jobs\.db \(is it a directory/);
  });

  it("a database of another program: other tables, or a jobs table of another shape", async () => {
    const other = inDir("other.db");
    const db = new Database(other);
    db.exec("CREATE TABLE invoices (n INTEGER)");
    db.close();
    assert.throws(() => new JobStore(other), /is not an icedit job database \(it has the tables invoices\)/);
    const shaped = inDir("shaped.db");
    const db2 = new Database(shaped);
    db2.exec("CREATE TABLE jobs (name TEXT, schedule TEXT)");
    db2.close();
    assert.throws(() => new JobStore(shaped), storeError(/its jobs table lacks seq, id, status/));
    const newer = inDir("newer.db");
    const db3 = new Database(newer);
    db3.pragma("user_version = 99");
    db3.close();
    assert.throws(() => new JobStore(newer), storeError(/written by a newer icedit/));
  });

  it("a page-corrupted jobs.db is found at start (quick_check), not by a failing request later", async () => {
    const path = inDir("corrupt.db");
    const store = new JobStore(path);
    store.close();
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.exec("CREATE TABLE IF NOT EXISTS filler (t TEXT)");
    const insert = db.prepare("INSERT INTO jobs (id, status, params, input, created_at) VALUES (?, 'done', ?, '{}', 1)");
    for (let i = 0; i < 400; i++) insert.run(`ed_${String(i).padStart(20, "0")}`, "x".repeat(200));
    db.close();
    const file = await open(path, "r+");
    const pageSize = 4096;
    await file.write(Buffer.alloc(pageSize * 3, 0xa5), 0, pageSize * 3, pageSize * 3); // pages 4-6: inside the jobs table's b-tree
    await file.close();
    assert.throws(() => new JobStore(path), storeError(/is damaged \(.*\): restore it from a backup/));
  });

  it("a full disk on restart (SQLITE_FULL) and other SQLite failures become one line", () => {
    const full = new Database.SqliteError("database or disk is full", "SQLITE_FULL");
    const mapped = jobStoreError("/data/jobs.db", full);
    assert.ok(mapped instanceof JobStoreError);
    assert.equal(
      mapped.message,
      "the disk holding /data/jobs.db is full: free some space (or move the data dir to a bigger disk) and start again",
    );
    assert.throws(
      () =>
        withStoreErrors("/data/jobs.db", () => {
          throw new Database.SqliteError("disk I/O error", "SQLITE_IOERR_WRITE");
        }),
      /reading or writing \/data\/jobs\.db failed \(disk I\/O error\): check the disk/,
    );
    assert.throws(
      () =>
        withStoreErrors("/data/jobs.db", () => {
          throw new Database.SqliteError("attempt to write a readonly database", "SQLITE_READONLY");
        }),
      /cannot write \/data\/jobs\.db \(read-only/,
    );
    assert.equal(
      jobStoreError("/x", new TypeError("a bug")),
      undefined,
      "not a storage error: left alone (a 500 with its stack in the log)",
    );
  });

  it("better-sqlite3's native module not built, or not loadable: npm rebuild better-sqlite3", async () => {
    // what the `bindings` package throws when `npm ci --ignore-scripts` left the module unbuilt
    const unbuilt = new Error("Could not locate the bindings file. Tried:\n → /x/node_modules/better-sqlite3/build/better_sqlite3.node");
    assert.throws(
      () =>
        withStoreErrors("/data/jobs.db", () => {
          throw unbuilt;
        }),
      storeError(/^the job records need SQLite's native module \(better-sqlite3\), which is not built .*run `npm rebuild better-sqlite3`/),
    );
    // a file that is no compiled module, loaded the way better-sqlite3 loads its own
    const fake = inDir("fake.node");
    await writeFile(fake, "not a shared library");
    const mapped = jobStoreError(
      "/data/jobs.db",
      captured(() => new Database(":memory:", { nativeBinding: fake })),
    );
    assert.ok(mapped instanceof JobStoreError);
    assert.match(
      mapped.message,
      /^SQLite's native module \(better-sqlite3\) cannot be loaded \(.*fake\.node.*\): run `npm rebuild better-sqlite3`/,
    );
    assert.doesNotMatch(mapped.message, /\n/, "one line");
  });

  it("a read-only data dir: DataDirError naming the file and what to do", async () => {
    const data = inDir("readonly");
    await mkdir(join(data, "inputs"), { recursive: true });
    await mkdir(join(data, "results"), { recursive: true });
    await chmod(inDir(), 0o755);
    await chmod(data, 0o555);
    const asRoot = process.getuid?.() === 0;
    const run = serveOnce(data, asRoot ? { uid: 65534 } : {}); // root may write anywhere: run as nobody
    assert.equal(run.status, 1);
    assertOneLine(
      run.stderr,
      /^icedit serve: cannot write .*server\.pid \(permission denied\): give this user write access to the data dir/,
    );
    assert.equal(fsReason(Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" })), "the file system is read-only");
    if (!asRoot) assert.throws(() => new DataDir(data).lock(), DataDirError);
  });
});
