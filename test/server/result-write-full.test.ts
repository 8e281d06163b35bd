import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { IceditSession } from "../../src/api/session.js";
import { DataDir } from "../../src/server/data-dir.js";
import { JobEvents } from "../../src/server/events.js";
import { jobError } from "../../src/server/job-errors.js";
import { LocalRunner } from "../../src/server/runner.js";
import { JobStore } from "../../src/server/store.js";
import { ImageWriteError } from "../../src/image/errors.js";
import { demoDir, type DemoDir } from "./fixtures.js";
import { png, waitFor } from "./helpers.js";

const enospc = (): Error => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write" });

/** A data dir whose disk fills up after the upload: writing the result fails. */
class ResultDiskFull extends DataDir {
  override async writeResult(): Promise<void> {
    throw new ImageWriteError(this.resultPath("ed_00000000000000000000"), "cannot write the result: no space left", { cause: enospc() });
  }
}

describe("icedit serve: a full disk when a job writes its result", () => {
  let demo: DemoDir;
  let session: IceditSession;
  let store: JobStore;
  let runner: LocalRunner;
  const logs: string[] = [];

  before(async () => {
    demo = await demoDir("icedit-result-full-");
    session = await IceditSession.open({ model: demo.model, embeddingCacheDir: null, convertedCacheDir: join(demo.dir, "converted") });
  });
  after(async () => {
    await runner?.close();
    store?.close();
    await session?.close();
    await demo?.close();
  });

  it("names the cause of a storage failure in the job's error", () => {
    assert.equal(jobError(enospc()).code, "insufficient_storage");
    const quota = new ImageWriteError("/x", "cannot write /x", { cause: Object.assign(new Error("quota"), { code: "EDQUOT" }) });
    assert.equal(jobError(quota).code, "insufficient_storage");
    assert.equal(jobError(new ImageWriteError("/x", "cannot write /x: permission denied")).code, "edit_failed");
  });

  it("fails the job with insufficient_storage, keeps no partial result, and keeps its input", async () => {
    const dir = new ResultDiskFull(demo.dataDir);
    store = new JobStore(dir.database);
    runner = new LocalRunner(store, dir, new JobEvents(), session, { maxPixels: 4_000_000, log: (line) => logs.push(line) });
    await runner.start();
    const id = "ed_00000000000000000f01";
    const image = await png();
    await dir.writeInput(id, "png", image);
    const input = { format: "png", width: 64, height: 48, bytes: image.length };
    assert.ok(
      store.insertIfRoom(
        { id, params: { instruction: "x", seed: 1, steps: 1, guidance: 50, width: 64 }, input, createdAt: Date.now() },
        10,
      ),
    );
    await runner.submitted();
    const job = await waitFor("the job to fail", () => {
      const row = store.get(id);
      return row && row.status !== "queued" && row.status !== "running" ? row : undefined;
    });
    assert.equal(job.status, "failed");
    assert.equal(job.error?.code, "insufficient_storage");
    assert.match(job.error?.message ?? "", /disk is full.*again later/);
    assert.deepEqual(readdirSync(join(dir.root, "results")), []);
    assert.deepEqual(readdirSync(join(dir.root, "inputs")), [`${id}.png`]);
    assert.ok(
      logs.some((line) => line.includes(`job ${id} failed: the server's disk is full`)),
      logs.join("\n"),
    );
  });
});
