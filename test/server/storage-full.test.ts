import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DataDir } from "../../src/server/data-dir.js";
import { JobStore, type NewJob } from "../../src/server/store.js";
import { ImageWriteError } from "../../src/image/errors.js";
import { multipartBody, type AppFixture, type AppFixtureOptions } from "./app-fixture.js";
import { TempApps } from "./fixtures.js";
import { png, type ErrorReply } from "./helpers.js";

const BOUNDARY = "----icedit-storage-test";

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}, write`), { code, syscall: "write" });
}

/** A data dir on a disk that fills up: writing an upload fails with `error()`. */
function fullDisk(error: () => Error): (root: string) => DataDir {
  return (root) =>
    new (class extends DataDir {
      override async writeInput(): Promise<void> {
        throw error();
      }
    })(root);
}

/** A job store whose database cannot grow. */
class FullStore extends JobStore {
  override insertAllIfRoom(_jobs: readonly NewJob[], _maxQueued: number): boolean {
    throw new Database.SqliteError("database or disk is full", "SQLITE_FULL");
  }
}

describe("icedit serve: a full disk", () => {
  let apps: TempApps;
  let body: Buffer;
  before(async () => {
    apps = await TempApps.create("icedit-full-");
    body = multipartBody(BOUNDARY, await png(), { instruction: "make the sky green", width: "64", steps: "1" });
  });
  after(async () => apps?.close());

  const start = (options: AppFixtureOptions): Promise<AppFixture> => apps.start(options);
  const post = async (fixture: AppFixture): Promise<{ status: number; body: ErrorReply; headers: Record<string, unknown> }> => {
    const reply = await fixture.app.inject({
      method: "POST",
      url: "/v1/edits",
      headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      payload: body,
    });
    return { status: reply.statusCode, body: reply.json<ErrorReply>(), headers: reply.headers };
  };
  const files = (fixture: AppFixture): string[] =>
    ["inputs", "results"].flatMap((sub) => readdirSync(join(fixture.dir.root, sub)).map((name) => `${sub}/${name}`));

  const diskErrors: ReadonlyArray<readonly [string, () => Error]> = [
    ["ENOSPC", () => systemError("ENOSPC", "no space left on device")],
    ["EDQUOT", () => systemError("EDQUOT", "disk quota exceeded")],
    [
      "ENOSPC inside the atomic writer's error",
      () => new ImageWriteError("/x", "cannot write /x: disk full", { cause: systemError("ENOSPC", "no space") }),
    ],
  ];
  for (const [name, error] of diskErrors) {
    it(`answers 507 insufficient_storage when writing the upload fails with ${name}, and keeps no job`, async () => {
      const fixture = await start({ dir: fullDisk(error) });
      const reply = await post(fixture);
      assert.equal(reply.status, 507, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, "insufficient_storage");
      assert.match(reply.body.error.message, /no space|full/i);
      assert.equal(fixture.store.countByStatus("queued"), 0);
      assert.deepEqual(files(fixture), []);
      assert.doesNotMatch(fixture.logs.join("\n"), /\n\s+at /, "no stack trace in the log");
    });
  }

  it("answers 507 when the job database is full (SQLITE_FULL), and removes the upload it had written", async () => {
    const fixture = await start({ store: (path) => new FullStore(path) });
    const reply = await post(fixture);
    assert.equal(reply.status, 507, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, "insufficient_storage");
    assert.deepEqual(files(fixture), [], "the upload of the job that was not stored is gone");
  });

  it("still answers 500 to other write failures", async () => {
    const fixture = await start({ dir: fullDisk(() => systemError("EIO", "i/o error")) });
    const reply = await post(fixture);
    assert.equal(reply.status, 500);
    assert.equal(reply.body.error.code, "internal");
  });
});
