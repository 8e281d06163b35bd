import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, realpathSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataDir, DataDirError } from "../../src/server/data-dir.js";
import { processStartTime } from "../../src/server/pid-file.js";

describe("server.pid: a live unrelated pid is taken over, a live icedit server on the dir is not", () => {
  let dir: string;
  let other: ChildProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-pid-"));
    other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    await once(other, "spawn");
  });
  after(async () => {
    other.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  const pidFileOf = (data: DataDir): string => join(data.root, "server.pid");

  it("takes over a pid file of an older icedit naming pid 1 (alive, but not an icedit server)", async () => {
    const data = new DataDir(join(dir, "a"));
    await writeFile(pidFileOf(data), "1\n");
    data.lock();
    const record = JSON.parse(await readFile(pidFileOf(data), "utf8")) as { pid: number; dataDir: string; token: string };
    assert.equal(record.pid, process.pid);
    assert.equal(record.dataDir, realpathSync(data.root));
    data.unlock();
    assert.equal(existsSync(pidFileOf(data)), false);
  });

  it("takes over a record whose live pid started at another time (the pid was reused)", async () => {
    const data = new DataDir(join(dir, "b"));
    const pid = other.pid as number;
    await writeFile(pidFileOf(data), JSON.stringify({ pid, started: "1", dataDir: realpathSync(data.root), token: "x" }));
    data.lock();
    data.unlock();
  });

  it("refuses while the recorded process is alive with its recorded start time; takes a record for another dir over", async () => {
    const data = new DataDir(join(dir, "c"));
    const pid = other.pid as number;
    const started = processStartTime(pid);
    assert.ok(started, "/proc/<pid>/stat is readable here");
    await writeFile(pidFileOf(data), JSON.stringify({ pid, started, dataDir: realpathSync(data.root), token: "x" }));
    const refused = new RegExp(`another icedit server \\(pid ${pid}\\)`);
    assert.throws(
      () => data.lock(),
      (error: unknown) => error instanceof DataDirError && refused.test(error.message),
    );
    await writeFile(pidFileOf(data), JSON.stringify({ pid, started, dataDir: "/somewhere/else", token: "x" }));
    data.lock();
    data.unlock();
  });

  it("a second lock in the same process is refused, and unlock removes only its own file", () => {
    const first = new DataDir(join(dir, "d"));
    const second = new DataDir(join(dir, "d"));
    first.lock();
    assert.throws(() => second.lock(), /another icedit server/);
    second.unlock();
    assert.equal(existsSync(pidFileOf(first)), true, "not removed by the one that does not hold it");
    first.unlock();
    assert.equal(existsSync(pidFileOf(first)), false);
  });
});
