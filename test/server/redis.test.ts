import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { Redis } from "ioredis";
import { startJudgeServer, type JudgeServer } from "../vlm/judge-server.js";
import { demoChildServers, type DemoChildServers } from "./fixtures.js";
import { Child, ensureDebianPackages, freePort, getJob, json, png, submit, waitFor, waitForStatus, type Job } from "./helpers.js";

const LONG = { instruction: "take your time", width: 256, steps: 60 };
const QUICK = { instruction: "make the sky green", width: 64, steps: 1 };

describe("icedit serve --queue redis:// with icedit worker processes (BullMQ)", () => {
  let demo: DemoChildServers;
  let redis: ChildProcess;
  let queue: string;
  let judge: JudgeServer;
  const workers = new Map<string, Child>();

  const startWorker = async (name: string): Promise<Child> => {
    const worker = new Child([
      "worker",
      "--queue",
      queue,
      "--model",
      demo.model,
      "--name",
      name,
      "--threads",
      "1",
      "--lock-ms",
      "3000",
      "--stalled-check-ms",
      "1000",
      "--quiet",
      "--judge",
      "openai",
      "--judge-model",
      "judge-vl",
      "--judge-url",
      `${judge.url}/v1`,
    ]);
    demo.servers.add(worker);
    workers.set(name, worker);
    await worker.line(new RegExp(`^ready ${name}$`));
    return worker;
  };
  const startFrontEnd = async (): Promise<{ child: Child; url: string }> => {
    return demo.servers.start(["--queue", queue, "--data-dir", demo.dataDir, "--quiet"]);
  };
  const doneLines = (): string[] => [...workers.values()].flatMap((w) => w.out.filter((l) => l.startsWith("done ")).map((l) => l.slice(5)));

  before(async () => {
    ensureDebianPackages("redis-server");
    demo = await demoChildServers("icedit-redis-");
    judge = await startJudgeServer(["judge-vl"]);
    const port = await freePort();
    redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
      { stdio: "ignore" },
    );
    queue = `redis://127.0.0.1:${port}`;
    await waitFor(
      "redis-server to answer",
      async () => {
        const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        client.on("error", () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === "PONG" ? true : undefined;
        } catch {
          return undefined;
        } finally {
          client.disconnect();
        }
      },
      20_000,
      100,
    );
  });
  after(async () => {
    await demo?.servers.close();
    if (redis && redis.exitCode === null) {
      redis.kill("SIGTERM");
      await once(redis, "exit");
    }
    await judge?.close();
    await demo?.close();
  });

  it("spreads jobs over two workers, runs every job exactly once, and loses none when a worker is killed mid-job", async (t) => {
    let phaseStart = performance.now();
    const phase = (name: string): void => {
      t.diagnostic(`${name}: ${((performance.now() - phaseStart) / 1000).toFixed(1)} s`);
      phaseStart = performance.now();
    };
    let { child: frontEnd, url: base } = await startFrontEnd();
    await Promise.all([startWorker("w1"), startWorker("w2")]);
    const image = await png(64, 48);
    phase("front end and two workers up");
    const health = await json<{ status: string; queue: string }>(await fetch(`${base}/healthz`));
    assert.deepEqual([health.body.status, health.body.queue], ["ok", "redis"]);

    const longs = [(await submit(base, image, { ...LONG, seed: 1 })).body.id, (await submit(base, image, { ...LONG, seed: 2 })).body.id];
    const quick: string[] = [];
    for (let i = 0; i < 5; i++) quick.push((await submit(base, image, { ...QUICK, seed: 10 + i })).body.id);
    const selected = (await submit(base, image, { ...QUICK, steps: 2, candidates: 2, early_steps: 1 })).body.id;
    quick.push(selected);

    const running = await waitFor("both long jobs denoising on different workers", async () => {
      const jobs = await Promise.all(longs.map((id) => getJob(base, id)));
      // Each on a worker of this test by name: a job the reconciler saw active before its worker reported has no worker until that report.
      const ok = jobs.every(
        (j) => j.status === "running" && j.progress?.stage === "denoise" && j.progress.step >= 1 && workers.has(j.worker ?? ""),
      );
      return ok && jobs[0]?.worker !== jobs[1]?.worker ? jobs : undefined;
    });
    const victim = running[0] as Job;
    const killed = workers.get(victim.worker ?? "") as Child;
    const survivor = victim.worker === "w1" ? "w2" : "w1";
    killed.kill("SIGKILL");
    await killed.exited;
    phase("both long jobs running; one worker killed");

    const all = [...longs, ...quick];
    for (const id of all) await waitForStatus(base, id, ["done"], 120_000);
    phase("all 8 jobs done");
    const retried = await getJob(base, victim.id);
    assert.equal(retried.worker, survivor, "the killed worker's job was finished by the other one");
    assert.equal(retried.interruptions, 1);
    assert.equal(retried.attempts, 2);
    const tournament = (await getJob(base, selected)) as Job & {
      record: { tournament: { candidates: number[] } };
      urls: { candidates: string };
    };
    assert.deepEqual(tournament.record.tournament.candidates, [42, 43], "noise selection on a remote worker with its own judge");
    assert.equal((await fetch(`${base}${tournament.urls.candidates}`)).status, 200);
    const done = doneLines();
    assert.deepEqual([...done].sort(), [...all].sort(), "each job done exactly once, by one worker");
    assert.ok(!killed.out.includes(`done ${victim.id}`));
    const result = await fetch(`${base}/v1/edits/${victim.id}/image`);
    assert.equal(result.status, 200);
    await result.arrayBuffer();

    // Cancel through Redis: a queued job at once, a running one on its worker.
    const slow = (await submit(base, image, LONG)).body.id;
    const waiting = (await submit(base, image, QUICK)).body.id;
    await waitFor("the job to run", async () => ((await getJob(base, slow)).progress?.stage === "denoise" ? true : undefined));
    assert.equal((await fetch(`${base}/v1/edits/${waiting}`, { method: "DELETE" })).status, 200);
    assert.equal((await fetch(`${base}/v1/edits/${slow}`, { method: "DELETE" })).status, 202);
    assert.equal((await waitForStatus(base, slow, ["cancelled"], 30_000)).status, "cancelled");
    assert.equal((await getJob(base, waiting)).status, "cancelled");

    phase("cancelled a queued and a running job");
    // The front end dies while a worker finishes a job: the result is picked up when it is back.
    const during = (await submit(base, image, { ...LONG, steps: 30 })).body.id;
    await waitFor("the job to run", async () => ((await getJob(base, during)).status === "running" ? true : undefined));
    frontEnd.kill("SIGKILL");
    await frontEnd.exited;
    await workers.get(survivor)?.line(new RegExp(`^done ${during}$`), 60_000);
    ({ child: frontEnd, url: base } = await startFrontEnd());
    assert.equal((await waitForStatus(base, during, ["done"], 30_000)).status, "done");
    assert.equal((await fetch(`${base}/v1/edits/${during}/image`)).status, 200);
    assert.equal(doneLines().filter((id) => id === waiting || id === slow).length, 0, "cancelled jobs never completed");

    phase("front end killed and restarted; result picked up");
    // A worker stopped in order (SIGTERM) puts its job back without counting a crash; another takes it.
    const handedOver = (await submit(base, image, LONG)).body.id;
    await waitFor("the job to run", async () => ((await getJob(base, handedOver)).progress?.stage === "denoise" ? true : undefined));
    const stopping = workers.get(survivor) as Child;
    await stopping.stop();
    assert.equal((await stopping.exited).code, 0);
    assert.equal((await waitForStatus(base, handedOver, ["queued"], 10_000)).interruptions, 0);
    await startWorker("w3");
    const finished = await waitForStatus(base, handedOver, ["done"], 60_000);
    assert.deepEqual([finished.worker, finished.interruptions], ["w3", 0]);
    phase("orderly worker stop handed the job to a new worker");
  });
});
