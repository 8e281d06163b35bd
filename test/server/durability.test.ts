import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { bytesOf, crash, demoChildServers, type DemoChildServers } from "./fixtures.js";
import { Child, getJob, json, png, submit, waitFor, waitForStatus, type Job } from "./helpers.js";

const LONG = { instruction: "take your time", width: 256, steps: 90 };
const QUICK = { instruction: "make the sky green", width: 64, steps: 1 };

async function denoising(base: string, id: string, attempt: number): Promise<Job> {
  return waitFor(`${id} denoising in attempt ${attempt}`, async () => {
    const job = await getJob(base, id);
    return job.status === "running" && job.attempts === attempt && job.progress?.stage === "denoise" && job.progress.step >= 1
      ? job
      : undefined;
  });
}

describe("icedit serve: jobs survive crashes (kill -9) and restarts", () => {
  let demo: DemoChildServers;
  let args: string[];
  before(async () => {
    demo = await demoChildServers("icedit-durable-");
    args = [...demo.serveArgs, "--quiet"];
  });
  after(async () => demo?.close());

  const latest = (): Child => demo.servers.children.at(-1) as Child;
  const start = async (): Promise<string> => (await demo.servers.start(args)).url;

  it("retries the job that was running once, fails it with a reason the second time, runs the others, keeps earlier results", async () => {
    const image = await png(64, 48);
    let base = await start();
    const early = (await submit(base, image, QUICK)).body.id;
    await waitForStatus(base, early, ["done"]);
    const earlyResult = await bytesOf(`${base}/v1/edits/${early}/image`);

    const long = (await submit(base, image, LONG)).body.id;
    const waiting = [
      (await submit(base, image, { ...QUICK, seed: 1 })).body.id,
      (await submit(base, image, { ...QUICK, seed: 2 })).body.id,
    ];
    await denoising(base, long, 1);
    await crash(latest());

    base = await start();
    const again = await denoising(base, long, 2);
    assert.equal(again.interruptions, 1, "the crash was counted");
    for (const id of waiting) assert.equal((await getJob(base, id)).status, "queued", "still waiting, in order, behind the retried job");
    assert.deepEqual(await bytesOf(`${base}/v1/edits/${early}/image`), earlyResult);

    const second = new Child(["serve", "--port", "0", ...args]);
    assert.equal((await second.exited).code, 1, "a second server on the same data dir is refused");
    assert.match(second.err.join("\n"), /another icedit server \(pid \d+\) uses the data dir/);

    await crash(latest());
    base = await start();
    const failed = await waitForStatus(base, long, ["failed"]);
    assert.equal(failed.error?.code, "interrupted");
    assert.match(failed.error?.message ?? "", /interrupted twice/);
    assert.equal(failed.interruptions, 2);
    for (const id of waiting) assert.equal((await waitForStatus(base, id, ["done"])).status, "done");
    assert.deepEqual(await bytesOf(`${base}/v1/edits/${early}/image`), earlyResult, "earlier results stay downloadable");
    const list = await json<{ items: Job[] }>(await fetch(`${base}/v1/edits?limit=100`));
    assert.deepEqual(list.body.items.map((j) => j.id).sort(), [early, long, ...waiting].sort(), "every submission has a record");
  });

  it("puts the running job back in the queue on an orderly stop (SIGTERM) without counting it as a crash", async () => {
    await demo.servers.close(); // the previous test's server
    const image = await png(64, 48);
    let base = await start();
    const long = (await submit(base, image, LONG)).body.id;
    await denoising(base, long, 1);
    const child = latest();
    await child.stop();
    assert.equal((await child.exited).code, 0);

    base = await start();
    const resumed = await denoising(base, long, 1);
    assert.equal(resumed.interruptions, 0);
    const cancelled = await json<Job>(await fetch(`${base}/v1/edits/${long}`, { method: "DELETE" }));
    assert.equal(cancelled.status, 202);
    assert.equal((await waitForStatus(base, long, ["cancelled"])).status, "cancelled");
  });
});
