import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/index.js";
import { demoServer, forSuite } from "./fixtures.js";
import { followEvents, getJob, json, png, pngHeaderBomb, submit, waitFor, waitForStatus, type ErrorReply, type Job } from "./helpers.js";

/** A job that runs for a few seconds on the demo model (many cheap steps at width 256). */
const LONG = { instruction: "make it slow", width: 256, steps: 90 };
const QUICK = { instruction: "make the sky green", width: 64, steps: 1 };

describe("icedit serve: the edit API", () => {
  const demo = forSuite(() => demoServer("icedit-api-", { limits: { maxQueued: 3, maxUploadBytes: 256 * 1024, maxPixels: 4_000_000 } }));
  let image: Uint8Array;
  before(async () => {
    image = await png(64, 48);
  });

  it("takes an edit, streams its progress over SSE to the end, and serves the result", async () => {
    const submitted = await submit(demo().url, image, { ...QUICK, steps: 2, seed: 7 });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const id = submitted.body.id;
    assert.match(id, /^ed_[0-9a-z]{20}$/);
    assert.equal(submitted.headers.get("location"), `/v1/edits/${id}`);
    assert.ok(["queued", "running"].includes(submitted.body.status));
    assert.deepEqual(submitted.body.params, {
      instruction: "make the sky green",
      method: "icedit",
      seed: 7,
      steps: 2,
      guidance: 50,
      trueCfgScale: 1,
      width: 64,
    });
    assert.deepEqual(submitted.body.input, { format: "png", width: 64, height: 48, bytes: image.length });

    const events = await followEvents(demo().url, id);
    const names = events.map((e) => e.event);
    assert.equal(names.at(-1), "done", names.join(" "));
    const denoise = events.filter((e) => e.event === "progress" && e.data["stage"] === "denoise").map((e) => e.data["step"]);
    assert.deepEqual(denoise, [0, 1, 2], "one progress event per step");
    const final = events.at(-1)?.data as unknown as Job;
    assert.equal(final.status, "done");
    assert.deepEqual(final.record?.output, { width: 64, height: 48 });
    assert.equal(final.record?.seed, 7);
    assert.equal(final.urls.image, `/v1/edits/${id}/image`);

    const result = await fetch(`${demo().url}/v1/edits/${id}/image`);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get("content-type"), "image/png");
    assert.match(result.headers.get("content-disposition") ?? "", /^inline; filename="ed_[0-9a-z]{20}\.png"$/);
    const pixels = await decodeImage(new Uint8Array(await result.arrayBuffer()));
    assert.deepEqual(pixels.dims, [48, 64, 3]);
    const attachment = await fetch(`${demo().url}/v1/edits/${id}/image?download=1`);
    assert.match(attachment.headers.get("content-disposition") ?? "", /^attachment;/);
    await attachment.arrayBuffer();

    const source = await fetch(`${demo().url}/v1/edits/${id}/source`);
    assert.equal(source.headers.get("content-type"), "image/png");
    assert.deepEqual(new Uint8Array(await source.arrayBuffer()), image, "the upload, byte for byte");

    // A client that connects after the end gets the final event at once.
    const late = await followEvents(demo().url, id);
    assert.deepEqual(
      late.map((e) => e.event),
      ["done"],
    );
  });

  it("takes cache and max_text_tokens: the job's params and record keep them", async () => {
    const submitted = await submit(demo().url, image, { ...QUICK, steps: 4, cache: "fbcache:1e9", max_text_tokens: 16 });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    assert.equal(submitted.body.params.cache, "fbcache:1e9");
    assert.equal(submitted.body.params.maxTextTokens, 16);
    const final = (await followEvents(demo().url, submitted.body.id)).at(-1)?.data as unknown as Job;
    assert.equal(final.status, "done");
    const record = final.record as unknown as { textTokens: number; fill: { cache: unknown } };
    assert.equal(record.textTokens, 16);
    assert.deepEqual(record.fill.cache, { kind: "fbcache", threshold: 1e9, skippedSteps: [2, 3] });
  });

  it("lists the jobs newest first, a page at a time", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(demo().url, image, { ...QUICK, seed: i })).body.id);
    for (const id of ids) await waitForStatus(demo().url, id, ["done"]);
    const first = await json<{ items: Job[]; next_cursor: string | null }>(await fetch(`${demo().url}/v1/edits?limit=2`));
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.items.map((j) => j.id),
      [ids[2], ids[1]],
    );
    assert.ok(first.body.next_cursor);
    const second = await json<{ items: Job[]; next_cursor: string | null }>(
      await fetch(`${demo().url}/v1/edits?limit=2&cursor=${first.body.next_cursor}`),
    );
    assert.equal(second.body.items[0]?.id, ids[0]);
    const done = await json<{ items: Job[] }>(await fetch(`${demo().url}/v1/edits?status=done&limit=100`));
    assert.ok(done.body.items.every((j) => j.status === "done"));
    const bad = await json<ErrorReply>(await fetch(`${demo().url}/v1/edits?limit=0`));
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /limit/);
  });

  it("refuses bad submissions with 4xx JSON errors that say what was wrong", async () => {
    const cases: Array<[string, Promise<{ status: number; body: ErrorReply }>, number, string, RegExp]> = [
      [
        "a text file",
        submit(demo().url, new TextEncoder().encode("not an image at all"), QUICK, { type: "image/png" }),
        415,
        "unsupported_image",
        /not an image in a supported format/,
      ],
      [
        "an upload over the limit",
        submit(demo().url, new Uint8Array(300 * 1024).fill(7), QUICK),
        413,
        "upload_too_large",
        /limit of 262144 bytes/,
      ],
      [
        "a header bomb (30000x30000)",
        submit(demo().url, pngHeaderBomb(30000, 30000), QUICK),
        413,
        "too_many_pixels",
        /30000x30000.*nothing was decoded/,
      ],
      ["an empty file", submit(demo().url, new Uint8Array(0), QUICK), 400, "empty_image", /empty/],
      ["a truncated PNG", submit(demo().url, image.subarray(0, 100), QUICK), 400, "corrupt_image", /truncated or corrupt/],
      ["no image", submit(demo().url, null, QUICK), 400, "missing_image", /image is required/],
      ["no instruction", submit(demo().url, image, { steps: 1 }), 400, "missing_instruction", /instruction/],
      ["a blank instruction", submit(demo().url, image, { ...QUICK, instruction: "   " }), 400, "missing_instruction", /empty/],
      ["steps 0", submit(demo().url, image, { ...QUICK, steps: 0 }), 400, "invalid_parameter", /^steps: .*from 1 to 100/],
      ["steps 1.5", submit(demo().url, image, { ...QUICK, steps: "1.5" }), 400, "invalid_parameter", /^steps:/],
      [
        "a width not a multiple of 16",
        submit(demo().url, image, { ...QUICK, width: 50 }),
        400,
        "invalid_parameter",
        /multiple of 16.*try 48/,
      ],
      ["guidance NaN", submit(demo().url, image, { ...QUICK, guidance: "NaN" }), 400, "invalid_parameter", /^guidance:/],
      ["a misspelt field", submit(demo().url, image, { ...QUICK, seeds: 3 }), 400, "unknown_field", /"seeds"/],
      [
        "noise selection without a judge",
        submit(demo().url, image, { ...QUICK, steps: 4, candidates: 4 }),
        501,
        "no_judge",
        /has no judge/,
      ],
      [
        "a client-chosen judge",
        submit(demo().url, image, { ...QUICK, candidates: 4, judge_url: "http://169.254.169.254/" }),
        400,
        "judge_is_server_side",
        /^judge_url: the judge is set by the server's operator/,
      ],
      [
        "early_steps without candidates",
        submit(demo().url, image, { ...QUICK, early_steps: 2 }),
        400,
        "invalid_parameter",
        /also send candidates/,
      ],
      [
        "a malformed noise-selection field",
        submit(demo().url, image, { ...QUICK, candidates: "many" }),
        400,
        "invalid_parameter",
        /^candidates:/,
      ],
    ];
    for (const [what, pending, status, code, message] of cases) {
      const reply = await pending;
      assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error.code, code, what);
      assert.match(reply.body.error.message, message, what);
    }
    const notMultipart = await json<ErrorReply>(
      await fetch(`${demo().url}/v1/edits`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    );
    assert.equal(notMultipart.status, 415);
    assert.equal(notMultipart.body.error.code, "not_multipart");
    const rawPng = await json<ErrorReply>(
      await fetch(`${demo().url}/v1/edits`, { method: "POST", headers: { "content-type": "image/png" }, body: image }),
    );
    assert.equal(rawPng.status, 415);
    for (const path of ["/v1/edits/ed_00000000000000000000", "/v1/edits/../../etc/passwd", "/v1/edits/x/image", "/nope"]) {
      const missing = await json<ErrorReply>(await fetch(`${demo().url}${path}`));
      assert.equal(missing.status, 404, path);
      assert.equal(missing.body.error.code, "not_found", path);
    }
    const list = await json<{ items: Job[] }>(await fetch(`${demo().url}/v1/edits?limit=100`));
    assert.ok(
      list.body.items.every((j) => j.params.instruction !== "   "),
      "no refused submission became a job",
    );
  });

  it("cancels a queued job at once and a running one after its current step", async () => {
    const long = (await submit(demo().url, image, LONG)).body.id;
    await waitFor("the long job to be denoising", async () => {
      const job = await getJob(demo().url, long);
      return job.progress?.stage === "denoise" && job.progress.step >= 1 ? job : undefined;
    });
    const queued = (await submit(demo().url, image, QUICK)).body;
    assert.equal(queued.status, "queued");
    assert.equal(queued.queue_position, 1, "one job (the running one) ahead");

    const cancelQueued = await json<Job>(await fetch(`${demo().url}/v1/edits/${queued.id}`, { method: "DELETE" }));
    assert.equal(cancelQueued.status, 200);
    assert.equal(cancelQueued.body.status, "cancelled");
    assert.deepEqual(
      (await followEvents(demo().url, queued.id)).map((e) => e.event),
      ["cancelled"],
    );

    const events = followEvents(demo().url, long);
    const cancelRunning = await json<Job>(await fetch(`${demo().url}/v1/edits/${long}`, { method: "DELETE" }));
    assert.equal(cancelRunning.status, 202, JSON.stringify(cancelRunning.body));
    assert.equal(cancelRunning.body.cancel_requested, true);
    const last = (await events).at(-1);
    assert.equal(last?.event, "cancelled");
    const stopped = await getJob(demo().url, long);
    assert.equal(stopped.status, "cancelled");

    const image409 = await json<ErrorReply>(await fetch(`${demo().url}/v1/edits/${long}/image`));
    assert.equal(image409.status, 409);
    assert.match(image409.body.error.message, /cancelled/);
    const again = await json<ErrorReply>(await fetch(`${demo().url}/v1/edits/${long}`, { method: "DELETE" }));
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "already_finished");
  });

  it("answers 429 with Retry-After when the queue is full, and runs the queued jobs in order", async () => {
    const long = (await submit(demo().url, image, LONG)).body.id;
    await waitForStatus(demo().url, long, ["running"]);
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await submit(demo().url, image, { ...QUICK, seed: 100 + i });
      assert.equal(reply.status, 202);
      assert.equal(reply.body.queue_position, i + 1);
      queued.push(reply.body.id);
    }
    const full = await submit(demo().url, image, QUICK);
    assert.equal(full.status, 429);
    assert.equal(full.body.error.code, "queue_full");
    const retryAfter = Number(full.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${full.headers.get("retry-after")}`);

    await fetch(`${demo().url}/v1/edits/${long}`, { method: "DELETE" });
    const finished = [];
    for (const id of queued) finished.push(await waitForStatus(demo().url, id, ["done"]));
    const starts = finished.map((j) => (j as unknown as { started_at: string }).started_at);
    assert.deepEqual([...starts].sort(), starts, "started in submission order");
    assert.equal((await submit(demo().url, image, QUICK)).status, 202, "room again");
  });

  it("reports health, describes itself in OpenAPI 3.1 with exactly its routes, and serves the page", async () => {
    const health = await json<{ status: string; queue: string; jobs: { queued: number } }>(await fetch(`${demo().url}/healthz`));
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "ok");
    assert.equal(health.body.queue, "local");

    const doc = await json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(await fetch(`${demo().url}/openapi.json`));
    assert.equal(doc.body.openapi, "3.1.0");
    const documented = Object.entries(doc.body.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`))
      .sort();
    assert.deepEqual(documented, registeredRoutes(demo().server.app.printRoutes({ commonPrefix: false })));

    const page = await fetch(`${demo().url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    for (const id of ["image-input", "instruction", "seed", "dice", "steps", "guidance", "compare", "download", "history"]) {
      assert.match(html, new RegExp(`id="${id}"`), id);
    }
    for (const [path, type] of [
      ["/app.js", /javascript/],
      ["/style.css", /css/],
    ] as const) {
      const file = await fetch(`${demo().url}${path}`);
      assert.equal(file.status, 200, path);
      assert.match(file.headers.get("content-type") ?? "", type);
      await file.arrayBuffer();
    }
  });
});

/** "METHOD /path" of every route fastify registered, but HEAD (automatic) and the CORS preflight. */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)?/.exec(line);
    const node = /^([│ ]*)[├└]── (\S+)/.exec(line);
    if (!node) continue;
    const depth = (node[1] ?? "").length / 4;
    stack.length = depth;
    stack.push(node[2] ?? "");
    if (!match) continue;
    const path = stack.join("");
    for (const method of (match[3] ?? "").split(", ")) {
      if (method !== "HEAD" && method !== "OPTIONS") routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}
