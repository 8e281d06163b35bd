import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ModelIdentity } from "../../src/api/session.js";
import { IdleBackend, type AppFixture, type AppFixtureOptions } from "./app-fixture.js";
import { TempApps } from "./fixtures.js";

const TOKEN = "test-token-0123456789abcdef";
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const MODEL = {
  spec: "/secret/models/flux-fill",
  path: "/secret/models/flux-fill",
  from: "path",
  editDefaults: {},
  adapters: [],
} as unknown as ModelIdentity;

interface Health {
  status: string;
  model?: { spec: string } | null;
  edit_defaults?: { width: number; guidance: number; true_cfg_scale: number | null };
  detail?: Record<string, unknown>;
  storage?: { free_bytes: number | null; min_free_bytes: number };
}

describe("icedit serve: /healthz", () => {
  let apps: TempApps;
  before(async () => {
    apps = await TempApps.create("icedit-healthz-");
  });
  after(async () => apps?.close());

  const start = (options: AppFixtureOptions): Promise<AppFixture> => apps.start({ model: MODEL, ...options });
  const health = async (fixture: AppFixture, token?: string): Promise<{ status: number; body: Health }> => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const reply = await fixture.app.inject({ method: "GET", url: "/healthz", headers });
    return { status: reply.statusCode, body: reply.json<Health>() };
  };

  it("on loopback: the full body without a token, with the data dir's free space from statfs", async () => {
    const fixture = await start({ backend: new IdleBackend({ running: "ed_00000000000000000001" }) });
    const reply = await health(fixture);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.status, "ok");
    assert.equal(reply.body.model?.spec, MODEL.spec);
    assert.equal(reply.body.detail?.["running"], "ed_00000000000000000001");
    assert.ok(typeof reply.body.storage?.free_bytes === "number" && reply.body.storage.free_bytes > 0, JSON.stringify(reply.body.storage));
    assert.equal(reply.body.storage?.min_free_bytes, 512 * MiB, "the default threshold");
    assert.deepEqual(
      reply.body.edit_defaults,
      { width: 512, guidance: 50, true_cfg_scale: 1 },
      "icedit's defaults for a folder without icedit.json",
    );
  });

  it("beyond loopback: only the status without a valid token, everything with it", async () => {
    const fixture = await start({ host: "0.0.0.0", token: TOKEN, backend: new IdleBackend({ running: "ed_00000000000000000001" }) });
    for (const token of [undefined, "wrong-token-0123456789abcdef", ""]) {
      const reply = await health(fixture, token);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { status: "ok" }, `token ${String(token)}`);
    }
    const full = await health(fixture, TOKEN);
    assert.equal(full.status, 200);
    assert.equal(full.body.model?.spec, MODEL.spec);
    assert.equal(full.body.detail?.["running"], "ed_00000000000000000001");
  });

  it("beyond loopback and unhealthy: 503 with only the status", async () => {
    const fixture = await start({ host: "192.168.1.10", token: TOKEN, freeBytes: async () => 10 * MiB });
    const reply = await health(fixture);
    assert.equal(reply.status, 503);
    assert.deepEqual(reply.body, { status: "unavailable" });
    const full = await health(fixture, TOKEN);
    assert.equal(full.status, 503);
    assert.equal(full.body.storage?.free_bytes, 10 * MiB);
  });

  it("goes unhealthy (503) when the data dir's free space is below the threshold, and says so", async () => {
    const low = await start({ freeBytes: async () => 100 * MiB });
    const reply = await health(low);
    assert.equal(reply.status, 503);
    assert.equal(reply.body.status, "unavailable");
    assert.deepEqual(reply.body.storage, { free_bytes: 100 * MiB, min_free_bytes: 512 * MiB });
    assert.match(String(reply.body.detail?.["storage"]), /100(\.0)? MiB free.*512(\.0)? MiB/);

    const plenty = await start({ freeBytes: async () => 10 * GiB });
    assert.equal((await health(plenty)).status, 200);

    const raised = await start({ freeBytes: async () => 10 * GiB, limits: { minFreeBytes: 20 * GiB } });
    assert.equal((await health(raised)).status, 503, "the threshold is a server option");
  });

  it("is unhealthy when the free space cannot be read", async () => {
    const fixture = await start({
      freeBytes: async () => {
        throw Object.assign(new Error("ENOENT: no such file or directory, statfs"), { code: "ENOENT" });
      },
    });
    const reply = await health(fixture);
    assert.equal(reply.status, 503);
    assert.equal(reply.body.storage?.free_bytes, null);
    assert.match(String(reply.body.detail?.["storage"]), /cannot read the free space/);
  });
});
