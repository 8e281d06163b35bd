import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bytesOf, crash, demoChildServers, type DemoChildServers } from "./fixtures.js";
import { Child, getJob, json, png, submit, waitForStatus, type ErrorReply, type Job } from "./helpers.js";

const QUICK = { instruction: "make the sky green", width: 64, steps: 1 };
const LONG = { instruction: "take your time", width: 256, steps: 90 };

describe("icedit serve: a lost, emptied or half-copied jobs.db never costs a result", () => {
  let demo: DemoChildServers;
  let data: string;
  let args: readonly string[];
  before(async () => {
    demo = await demoChildServers("icedit-dataloss-");
    ({ dataDir: data, serveArgs: args } = demo);
  });
  after(async () => demo?.close());

  const start = async (): Promise<{ base: string; child: Child }> => {
    const { child, url } = await demo.servers.start(args);
    return { base: url, child };
  };
  const database = (suffix = ""): string => join(data, `jobs.db${suffix}`);

  it("after kill -9 and a missing, an empty, or a -wal-less jobs.db: every finished result is listed again and served byte-identical", async () => {
    const image = await png(64, 48);
    await mkdir(data, { recursive: true });
    await writeFile(join(data, "server.pid"), "1\n"); // an older icedit's file naming a live, unrelated process
    let { base, child } = await start();
    const ids: string[] = [];
    for (const seed of [1, 2, 3]) ids.push((await submit(base, image, { ...QUICK, seed })).body.id);
    const jobs = new Map<string, { job: Job; bytes: Uint8Array; source: Uint8Array }>();
    const remember = async (id: string): Promise<void> => {
      const job = await waitForStatus(base, id, ["done"]);
      jobs.set(id, { job, bytes: await bytesOf(`${base}/v1/edits/${id}/image`), source: await bytesOf(`${base}/v1/edits/${id}/source`) });
    };
    for (const id of ids) await remember(id);
    const filesBefore = (await readdir(join(data, "results"))).sort();

    const check = async (what: string): Promise<void> => {
      for (const [id, before] of jobs) {
        const now = await getJob(base, id);
        assert.equal(now.status, "done", `${what}: ${id}`);
        assert.deepEqual(now.params, before.job.params, what);
        assert.deepEqual(now.record, before.job.record, what);
        assert.deepEqual(await bytesOf(`${base}/v1/edits/${id}/image`), before.bytes, `${what}: the result, byte-identical`);
        assert.deepEqual(await bytesOf(`${base}/v1/edits/${id}/source`), before.source, `${what}: the upload`);
      }
      const listed = await json<{ items: Job[] }>(await fetch(`${base}/v1/edits?limit=100`));
      assert.deepEqual(listed.body.items.map((j) => j.id).sort(), [...jobs.keys()].sort(), what);
      for (const name of filesBefore) assert.ok(existsSync(join(data, "results", name)), `${what}: ${name} kept`);
    };

    await crash(child);
    for (const suffix of ["", "-wal", "-shm"]) await rm(database(suffix), { force: true });
    ({ base, child } = await start());
    assert.ok(
      child.err.some((l) => /listed again 3 finished job\(s\) that jobs\.db did not know/.test(l)),
      child.err.join("\n"),
    );
    await check("jobs.db missing");

    await crash(child);
    await truncate(database(), 0);
    for (const suffix of ["-wal", "-shm"]) await rm(database(suffix), { force: true });
    ({ base, child } = await start());
    await check("jobs.db empty");

    const late = (await submit(base, image, { ...QUICK, seed: 4 })).body.id;
    await remember(late);
    await crash(child);
    await rm(database("-wal"), { force: true }); // jobs.db copied without its -wal
    await rm(database("-shm"), { force: true });
    ({ base, child } = await start());
    await check("jobs.db without its -wal");
  });

  it("serves a result cut short on disk as a clear error, never its bytes", async () => {
    await demo.servers.close();
    const { base } = await start();
    const id = (await submit(base, await png(64, 48), { ...QUICK, seed: 9 })).body.id;
    await waitForStatus(base, id, ["done"]);
    const whole = await bytesOf(`${base}/v1/edits/${id}/image`);
    await truncate(join(data, "results", `${id}.png`), whole.length - 10);
    const reply = await json<ErrorReply>(await fetch(`${base}/v1/edits/${id}/image`));
    assert.equal(reply.status, 500);
    assert.equal(reply.body.error.code, "result_damaged");
    assert.match(reply.body.error.message, /is damaged in the server's data dir .*submit the edit again/);
  });

  it("DELETE ?remove=true removes a finished job and its files; a running one answers 409 (cancel it first)", async () => {
    await demo.servers.close();
    const { base } = await start();
    const image = await png(64, 48);
    const done = (await submit(base, image, { ...QUICK, seed: 11 })).body.id;
    await waitForStatus(base, done, ["done"]);
    const long = (await submit(base, image, LONG)).body.id;
    await waitForStatus(base, long, ["running"]);

    const refused = await json<ErrorReply>(await fetch(`${base}/v1/edits/${long}?remove=true`, { method: "DELETE" }));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "not_finished");
    assert.match(refused.body.error.message, /cancel it first/);

    const removed = await fetch(`${base}/v1/edits/${done}?remove=true`, { method: "DELETE" });
    assert.equal(removed.status, 204);
    assert.equal((await fetch(`${base}/v1/edits/${done}`)).status, 404);
    for (const sub of ["inputs", "results"])
      assert.deepEqual(
        (await readdir(join(data, sub))).filter((n) => n.startsWith(done)),
        [],
        sub,
      );

    const again = await json<ErrorReply>(await fetch(`${base}/v1/edits/${done}?remove=true`, { method: "DELETE" }));
    assert.equal(again.status, 404);
    assert.equal((await fetch(`${base}/v1/edits/${long}`, { method: "DELETE" })).status, 202, "a plain DELETE still cancels");
    await waitForStatus(base, long, ["cancelled"]);
  });

  it("--keep with a bad value is a one-line usage error", async () => {
    const child = new Child(["serve", "--keep", "7 days", ...args]);
    assert.equal((await child.exited).code, 2);
    assert.equal(child.err.length, 1, child.err.join("\n"));
    assert.match(child.err[0] ?? "", /^icedit serve: --keep "7 days": give an age/);
  });
});
