/**
 * The OpenAI-compatible route's life around its jobs, on the HTTP app alone (a backend that never
 * runs jobs: the tests finish them by hand, as a worker would): the keep-alive, a full queue
 * through the SDK, a dropped request and a shutdown cancelling their jobs, failures, error shapes.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import OpenAI, { RateLimitError, toFile } from "openai";
import { finishWithResult } from "../../../src/server/finish-job.js";
import type { JobRow } from "../../../src/server/job.js";
import type { AppFixture, AppFixtureOptions } from "../app-fixture.js";
import { TempApps } from "../fixtures.js";
import { png, waitFor } from "../helpers.js";

interface Listening extends AppFixture {
  readonly url: string;
}

/** An OpenAI error body, as the route answers it. */
interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string };
}

function form(image: Uint8Array, fields: Record<string, string>, mask?: Uint8Array): FormData {
  const body = new FormData();
  body.append("image", new Blob([image], { type: "image/png" }), "in.png");
  if (mask) body.append("mask", new Blob([mask], { type: "image/png" }), "mask.png");
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return body;
}

/** What a worker does when an edit is done: the result written, the job done, the event published. */
async function finishByHand(f: AppFixture, result: Uint8Array): Promise<JobRow> {
  const job = f.store.claimNext("local", Date.now());
  assert.ok(job, "a queued job to finish");
  const record = { prompt: `IC prompt of ${job.params.instruction}`, output: { width: 64, height: 48 }, fill: { imageTokens: 24 } };
  await finishWithResult(f.store, f.dir, job, { png: result, candidates: null, record, warnings: [] }, Date.now());
  const done = f.store.get(job.id) as JobRow;
  f.events.publish(job.id, { type: "finished", job: done });
  return done;
}

function failByHand(f: AppFixture, code: string, message: string): void {
  const job = f.store.claimNext("local", Date.now());
  assert.ok(job, "a queued job to fail");
  f.store.finishFailed(job.id, { code, message }, [], Date.now());
  f.events.publish(job.id, { type: "finished", job: f.store.get(job.id) as JobRow });
}

const queued = (f: AppFixture, count = 1): Promise<JobRow[]> =>
  waitFor(`${count} queued job(s)`, () => {
    const jobs = f.store.list({ limit: 100, status: "queued" });
    return jobs.length >= count ? jobs : undefined;
  });

describe("POST /v1/images/edits: holding the request while its jobs run", () => {
  let apps: TempApps;
  let image: Uint8Array;
  before(async () => {
    apps = await TempApps.create("icedit-openai-held-");
    image = await png(64, 48);
  });
  after(async () => apps.close());

  async function listening(options: AppFixtureOptions = {}): Promise<Listening> {
    const f = await apps.start(options);
    await f.app.listen({ host: "127.0.0.1", port: 0 });
    return { ...f, url: `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}` };
  }

  it("sends 200 and its headers early, spaces while it waits, then the JSON; a mask is ignored with a Warning", async () => {
    const f = await listening({ keepAlive: { firstMs: 20, everyMs: 20 } });
    const response = await fetch(`${f.url}/v1/images/edits`, { method: "POST", body: form(image, { prompt: "make it red" }, image) });
    // The headers came while the job still waits in the queue.
    const [job] = await queued(f);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("warning") ?? "", /^299 icedit "mask ignored: ICEdit repaints/);
    assert.equal(response.headers.get("x-icedit-jobs"), job?.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await png(64, 48);
    await finishByHand(f, result);
    const text = await response.text();
    const spaces = /^ +/.exec(text)?.[0].length ?? 0;
    assert.ok(spaces >= 2, `keep-alive spaces before the JSON: ${spaces}`);
    const body = JSON.parse(text) as { data: { b64_json: string; revised_prompt: string }[]; usage: { total_tokens: number } };
    assert.deepEqual(new Uint8Array(Buffer.from(body.data[0]?.b64_json ?? "", "base64")), result);
    assert.equal(body.data[0]?.revised_prompt, "IC prompt of make it red");
    assert.equal(body.usage.total_tokens, 24);
  });

  it("the SDK reads an answer that came after keep-alive spaces", async () => {
    const f = await listening({ keepAlive: { firstMs: 20, everyMs: 20 } });
    const client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const upload = await toFile(Buffer.from(image), "in.png", { type: "image/png" });
    const answer = client.images.edit({ image: upload, prompt: "make it red" }).withResponse();
    await queued(f);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await png(64, 48);
    await finishByHand(f, result);
    const { data, response } = await answer;
    assert.equal(response.status, 200);
    assert.deepEqual(new Uint8Array(Buffer.from(data.data?.[0]?.b64_json ?? "", "base64")), result);
  });

  it("a full queue raises the SDK's RateLimitError, with Retry-After; n jobs need room for n", async () => {
    const f = await listening({ limits: { maxQueued: 2 } });
    const icedit = await fetch(`${f.url}/v1/edits`, { method: "POST", body: form(image, { instruction: "wait" }) });
    assert.equal(icedit.status, 202);
    const client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const upload = await toFile(Buffer.from(image), "in.png", { type: "image/png" });
    const error = await client.images.edit({ image: upload, prompt: "make it red", n: 2 }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.code, "queue_full");
    assert.equal(error.type, "rate_limit_error");
    assert.match(error.message, /no room for 2 more jobs \(at most 2 may wait\)/);
    assert.equal(error.headers.get("retry-after"), "10");
    assert.equal(f.store.countByStatus("queued"), 1, "none of the two was queued");
  });

  it("a client that goes away cancels its jobs", async () => {
    const f = await listening();
    const abort = new AbortController();
    const request = fetch(`${f.url}/v1/images/edits`, { method: "POST", body: form(image, { prompt: "x", n: "2" }), signal: abort.signal });
    const jobs = await queued(f, 2);
    abort.abort();
    await request.catch(() => undefined);
    for (const job of jobs) await waitFor(`${job.id} cancelled`, () => (f.store.get(job.id)?.status === "cancelled" ? true : undefined));
  });

  it("a shutdown answers 503 in OpenAI's shape and cancels the jobs", async () => {
    const f = await listening();
    const request = fetch(`${f.url}/v1/images/edits`, { method: "POST", body: form(image, { prompt: "x" }) });
    const [job] = await queued(f);
    const closing = f.app.close();
    const response = await request;
    await closing;
    assert.equal(response.status, 503);
    const body = (await response.json()) as OpenAiError;
    assert.equal(body.error.code, "shutting_down");
    assert.equal(body.error.type, "server_error");
    assert.equal(f.store.get(job?.id ?? "")?.status, "cancelled");
  });

  it("a job that fails answers its error with the status /v1/edits gives the same problem", async () => {
    const f = await listening();
    const request = fetch(`${f.url}/v1/images/edits`, { method: "POST", body: form(image, { prompt: "x" }) });
    await queued(f);
    failByHand(f, "too_many_pixels", "the image is too large");
    const response = await request;
    assert.equal(response.status, 413);
    const body = (await response.json()) as OpenAiError;
    assert.deepEqual(body.error.code, "too_many_pixels");
    assert.match(body.error.message, /^edit ed_[0-9a-z]{20} failed: the image is too large$/);
  });

  it("after the headers went out, a failure is the JSON body of the 200", async () => {
    const f = await listening({ keepAlive: { firstMs: 10, everyMs: 10 } });
    const response = await fetch(`${f.url}/v1/images/edits`, { method: "POST", body: form(image, { prompt: "x" }) });
    assert.equal(response.status, 200);
    failByHand(f, "edit_failed", "the model broke");
    const body = JSON.parse(await response.text()) as OpenAiError;
    assert.equal(body.error.code, "edit_failed");
    assert.equal(body.error.type, "server_error");
  });

  it("answers errors in OpenAI's shape: field names as param, no token, not multipart; /v1/edits keeps icedit's shape", async () => {
    const f = await listening({ token: "a-token-of-sixteen-chars" });
    const auth = { authorization: "Bearer a-token-of-sixteen-chars" };
    const post = async (body: FormData | string, headers: Record<string, string> = auth): Promise<[number, OpenAiError]> => {
      const response = await fetch(`${f.url}/v1/images/edits`, { method: "POST", body, headers });
      return [response.status, (await response.json()) as OpenAiError];
    };
    assert.deepEqual(await post(form(image, { prompt: "x" }), {}), [
      401,
      {
        error: {
          message: "this server needs a bearer token: send `Authorization: Bearer <token>`",
          type: "authentication_error",
          param: null,
          code: "unauthorized",
        },
      },
    ]);
    const [status, body] = await post(form(image, { prompt: "x", n: "5" }));
    assert.equal(status, 400);
    assert.deepEqual(body.error, {
      message: 'n: takes a whole number from 1 to 4, got "5"',
      type: "invalid_request_error",
      param: "n",
      code: "invalid_parameter",
    });
    assert.equal((await post(form(image, { prompt: "x", style: "vivid" })))[1].error.param, "style");
    assert.equal((await post(form(image, {})))[1].error.param, "prompt");
    assert.equal((await post(form(image, { prompt: "x".repeat(1001) })))[1].error.param, "prompt");
    assert.equal((await post(form(image, { prompt: "x", response_format: "url", output_format: "webp" })))[1].error.param, "output_format");
    assert.equal((await post(form(image, { prompt: "x", background: "transparent" })))[1].error.param, "background");
    assert.equal((await post(form(image, { prompt: "x", stream: "true" })))[1].error.param, "stream");
    assert.equal((await post(form(image, { prompt: "x", size: "100x75" })))[1].error.param, "size");
    const [notMultipart, notMultipartBody] = await post("{}", { ...auth, "content-type": "application/json" });
    assert.equal(notMultipart, 415);
    assert.equal(notMultipartBody.error.code, "not_multipart");
    const icedit = await fetch(`${f.url}/v1/edits`, { method: "POST", body: form(image, {}), headers: auth });
    assert.deepEqual(Object.keys(((await icedit.json()) as OpenAiError).error), ["code", "message"]);
    assert.equal(f.store.countByStatus("queued"), 0, "no refused request left a job");
  });

  it("GET /v1/models without a local model (remote workers) lists icedit alone", async () => {
    const f = await listening();
    const models = (await (await fetch(`${f.url}/v1/models`)).json()) as { object: string; data: { id: string; object: string }[] };
    assert.equal(models.object, "list");
    assert.deepEqual(
      models.data.map((m) => [m.id, m.object]),
      [["icedit", "model"]],
    );
    const missing = await fetch(`${f.url}/v1/models/dall-e-2`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as OpenAiError).error.type, "not_found_error");
  });
});
