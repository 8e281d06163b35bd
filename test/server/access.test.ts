import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../../src/server/server.js";
import { ServerConfigError } from "../../src/server/config.js";
import { demoServer, forSuite } from "./fixtures.js";
import { Child, json, png, rawRequest, submit, waitForStatus, type ErrorReply, type Job } from "./helpers.js";

const TOKEN = "test-token-0123456789abcdef";
const ALLOWED = "http://app.example";

describe("icedit serve: who may use it", () => {
  const demo = forSuite(() => demoServer("icedit-access-", { token: TOKEN, corsOrigins: [ALLOWED] }));

  it("refuses to listen beyond loopback without a token, before loading anything", async () => {
    const dataDir = join(demo().dir, "exposed");
    await assert.rejects(startServer({ host: "0.0.0.0", port: 0, dataDir, session: { model: demo().model } }), (error: unknown) => {
      assert.ok(error instanceof ServerConfigError);
      assert.match(error.message, /--token or ICEDIT_TOKEN/);
      return true;
    });
    assert.equal(existsSync(dataDir), false, "nothing was created");
    const cli = new Child(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", dataDir], { ICEDIT_TOKEN: "" });
    const exit = await cli.exited;
    assert.equal(exit.code, 1);
    assert.match(cli.err.join("\n"), /icedit serve: --host 0\.0\.0\.0 lets other machines reach the server/);
  });

  it("requires the bearer token on /v1/* when one is set; the page and /healthz stay open", async () => {
    const image = await png();
    const none = await submit(demo().url, image, { instruction: "x", width: 64, steps: 1 });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, "unauthorized");
    assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="icedit"');
    const wrong = await json<ErrorReply>(
      await fetch(`${demo().url}/v1/edits`, { headers: { authorization: "Bearer nope-nope-nope-nope" } }),
    );
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error.message, /wrong/);
    const ok = await submit(demo().url, image, { instruction: "make the sky green", width: 64, steps: 1 }, { token: TOKEN });
    assert.equal(ok.status, 202);
    await waitForStatus(demo().url, ok.body.id, ["done"], 60_000, TOKEN);
    assert.equal((await fetch(`${demo().url}/v1/edits/${ok.body.id}/image`)).status, 401, "results too");
    for (const open of ["/", "/healthz", "/openapi.json", "/app.js"]) {
      const reply = await fetch(`${demo().url}${open}`);
      assert.equal(reply.status, 200, open);
      await reply.arrayBuffer();
    }
    const doc = await json<{ security: unknown[] }>(await fetch(`${demo().url}/openapi.json`));
    assert.deepEqual(doc.body.security, [{ bearer: [] }]);
  });

  it("answers only requests addressed to loopback, refuses cross-site submissions, and sends CORS headers only to allowed origins", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const rebinding = await rawRequest(`${demo().url}/v1/edits`, { headers: { ...headers, host: "attacker.example:7860" } });
    assert.equal(rebinding.status, 403);
    assert.equal((JSON.parse(rebinding.body) as ErrorReply).error.code, "bad_host");
    assert.equal((await rawRequest(`${demo().url}/v1/edits`, { headers: { ...headers, host: "localhost:1234" } })).status, 200);

    const crossSite = await rawRequest(`${demo().url}/v1/edits/ed_00000000000000000000`, {
      method: "DELETE",
      headers: { ...headers, origin: "http://evil.example" },
    });
    assert.equal(crossSite.status, 403);
    assert.equal((JSON.parse(crossSite.body) as ErrorReply).error.code, "cross_origin");
    const sameSite = await rawRequest(`${demo().url}/v1/edits/ed_00000000000000000000`, {
      method: "DELETE",
      headers: { ...headers, origin: demo().url },
    });
    assert.equal(sameSite.status, 404, "same origin passes the check (then: no such job)");

    const other = await rawRequest(`${demo().url}/v1/edits`, { headers: { ...headers, origin: "http://evil.example" } });
    assert.equal(other.status, 200);
    assert.equal(other.headers.get("access-control-allow-origin"), null, "CORS is off for other origins");
    const allowed = await rawRequest(`${demo().url}/v1/edits`, { headers: { ...headers, origin: ALLOWED } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), ALLOWED);
    const preflight = await rawRequest(`${demo().url}/v1/edits`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/);
    const refused = await rawRequest(`${demo().url}/v1/edits`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(refused.headers.get("access-control-allow-origin"), null);

    const list = await json<{ items: Job[] }>(await fetch(`${demo().url}/v1/edits`, { headers }));
    assert.equal(list.body.items.length, 1, "no refused request became a job");
  });
});
