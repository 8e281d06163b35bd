import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { minFreeOption } from "../../src/cli/serve.js";
import { UsageError } from "../../src/cli/io.js";
import { icedit, recordingIO } from "../cli/test-io.js";
import { demoDir, forSuite } from "./fixtures.js";
import { json, waitFor } from "./helpers.js";

describe("icedit serve --min-free", () => {
  const demo = forSuite(() => demoDir("icedit-min-free-"));

  it("takes a size or 0, defaults to 512 MiB, and refuses anything else", async () => {
    assert.equal(minFreeOption(undefined), 512 * 1024 ** 2);
    assert.equal(minFreeOption("1GiB"), 1024 ** 3);
    assert.equal(minFreeOption("256M"), 256 * 1024 ** 2);
    assert.equal(minFreeOption("0"), 0);
    for (const bad of ["lots", "-1G", "1X", ""]) assert.throws(() => minFreeOption(bad), UsageError, bad);
    const run = await icedit(["serve", "--min-free", "lots"]);
    assert.equal(run.code, 2);
    assert.match(run.err.join("\n"), /--min-free takes a size such as 512M/);
    assert.match((await icedit(["serve", "--help"])).out.join("\n"), /--min-free SIZE/);
  });

  it("reaches /healthz: more than the disk has makes the server unavailable", async () => {
    const recorded = recordingIO();
    const running = icedit(["serve", "--port", "0", ...demo().serveArgs, "--min-free", "1000T"], recorded);
    try {
      const url = await waitFor("the URL", () => recorded.out.find((line) => line.startsWith("http://127.0.0.1:")), 60_000);
      const health = await json<{ status: string; storage: { min_free_bytes: number; free_bytes: number } }>(await fetch(`${url}/healthz`));
      assert.equal(health.status, 503);
      assert.equal(health.body.status, "unavailable");
      assert.equal(health.body.storage.min_free_bytes, 1000 * 1024 ** 4);
      assert.ok(health.body.storage.free_bytes > 0);
    } finally {
      recorded.interrupt();
      assert.equal((await running).code, 0);
    }
  });
});
