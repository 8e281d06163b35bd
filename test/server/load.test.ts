import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { demoChildServers, forSuite } from "./fixtures.js";
import { followEvents, getJob, json, percentile, png, submit, waitFor, type Job } from "./helpers.js";

const CLIENTS = 10;
const PER_CLIENT = 5;

function summary(name: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const f = (v: number): string => v.toFixed(1);
  return `${name}: n=${sorted.length} p50=${f(percentile(sorted, 50))} ms p95=${f(percentile(sorted, 95))} ms max=${f(sorted.at(-1) ?? NaN)} ms`;
}

describe("icedit serve: a bounded load (50 submissions from 10 concurrent clients)", () => {
  const demo = forSuite(() => demoChildServers("icedit-load-"));
  let base: string;
  before(async () => {
    base = (await demo().servers.start([...demo().serveArgs, "--quiet"])).url;
  });

  it("loses no job, runs each once, and keeps the API responsive while the worker is busy", async (t) => {
    const image = await png(64, 48);
    const submitMs: number[] = [];
    const readMs: number[] = [];
    const timed = async <T>(into: number[], call: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const value = await call();
      into.push(performance.now() - started);
      return value;
    };
    const started = performance.now();
    const client = async (c: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < PER_CLIENT; i++) {
        const reply = await timed(submitMs, () =>
          submit(base, image, { instruction: `client ${c} edit ${i}`, seed: c * 100 + i, width: 64, steps: 1 }),
        );
        assert.equal(reply.status, 202, JSON.stringify(reply.body));
        ids.push(reply.body.id);
        await timed(readMs, () => getJob(base, reply.body.id));
        await timed(readMs, async () => (await fetch(`${base}/v1/edits?limit=20`)).json());
      }
      const events = await followEvents(base, ids.at(-1) as string, { timeoutMs: 120_000 });
      assert.equal(events.at(-1)?.event, "done");
      return ids;
    };
    const ids = (await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))).flat();
    const submittedMs = performance.now() - started;

    // Reads while the worker is still busy with the backlog.
    const health = await json<{ jobs: { queued: number; running: number } }>(await fetch(`${base}/healthz`));
    const busy = health.body.jobs.queued + health.body.jobs.running > 0;
    await waitFor(
      "every job to finish",
      async () => {
        const page = await json<{ items: Job[] }>(await timed(readMs, () => fetch(`${base}/v1/edits?limit=100`)));
        return page.body.items.every((j) => j.status === "done") ? true : undefined;
      },
      180_000,
      200,
    );
    const totalMs = performance.now() - started;

    assert.equal(new Set(ids).size, CLIENTS * PER_CLIENT, "every submission got its own job");
    const all = await json<{ items: Job[]; next_cursor: string | null }>(await fetch(`${base}/v1/edits?limit=100`));
    assert.equal(all.body.items.length, CLIENTS * PER_CLIENT, "no job lost, none invented");
    assert.deepEqual(all.body.items.map((j) => j.id).sort(), [...ids].sort());
    for (const job of all.body.items) {
      assert.equal(job.status, "done");
      assert.equal(job.attempts, 1, `${job.id} ran once`);
    }
    const starts = all.body.items
      .slice()
      .reverse()
      .map((j) => (j as unknown as { started_at: string }).started_at);
    assert.deepEqual([...starts].sort(), starts, "run in submission order");
    for (const id of ids.slice(0, 5)) assert.equal((await fetch(`${base}/v1/edits/${id}/image`, { method: "HEAD" })).status, 200);

    const report = [
      `50 jobs (64x48, 1 step) submitted in ${(submittedMs / 1000).toFixed(1)} s, all done after ${(totalMs / 1000).toFixed(1)} s${busy ? " (worker still busy when submissions ended)" : ""}`,
      summary("POST /v1/edits (upload, sniff, decode check, store)", submitMs),
      summary("GET job / list while the worker runs", readMs),
    ];
    for (const line of report) {
      t.diagnostic(line);
      process.stderr.write(`load: ${line}\n`);
    }
    const sortedSubmit = [...submitMs].sort((a, b) => a - b);
    const sortedRead = [...readMs].sort((a, b) => a - b);
    assert.ok(percentile(sortedSubmit, 95) < 2000, summary("submit", submitMs));
    assert.ok(percentile(sortedRead, 95) < 1000, summary("read", readMs));
  });
});
