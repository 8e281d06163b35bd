import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { icedit, recordingIO } from "../cli/test-io.js";
import { demoDir, forSuite } from "./fixtures.js";
import { waitFor } from "./helpers.js";

describe("icedit serve and icedit worker on the command line", () => {
  const demo = forSuite(() => demoDir("icedit-serve-cli-"));

  it("explains their options and refuses wrong ones", async () => {
    const help = await icedit(["serve", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out.join("\n"), /--data-dir DIR/);
    assert.match((await icedit(["worker", "--help"])).out.join("\n"), /--queue URL/);
    const cases: Array<[string[], RegExp]> = [
      [["serve", "--port", "70000"], /--port takes 0 to 65535/],
      [["serve", "--queue", "http://x"], /--queue takes a redis:\/\/host:port URL/],
      [["serve", "--queue-size", "0"], /--queue-size takes a whole number >= 1/],
      [["serve", "extra"], /unexpected argument "extra"/],
      [["worker"], /--queue is required/],
      [["serve", "--judge-model", "m"], /--judge-model is part of noise selection: add --judge/],
      [["serve", "--judge", "openai"], /--judge openai needs --judge-model NAME/],
      [["serve", "--queue", "redis://127.0.0.1:1", "--judge", "ollama", "--judge-model", "m"], /give --judge to `icedit worker`/],
    ];
    for (const [args, message] of cases) {
      const run = await icedit(args);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.err.join("\n"), message);
    }
    const main = await icedit(["--help"]);
    assert.match(main.out.join("\n"), /serve +serve the edit API/);
    assert.match(main.out.join("\n"), /worker +run edit jobs from a Redis queue/);
  });

  it("serves until Ctrl-C, printing its URL, then stops in order", async () => {
    const recorded = recordingIO();
    const dataDir = demo().dataDir;
    const running = icedit(["serve", "--port", "0", ...demo().serveArgs], recorded);
    const url = await waitFor("the URL", () => recorded.out.find((line) => line.startsWith("http://127.0.0.1:")), 60_000);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    assert.ok(existsSync(join(dataDir, "server.pid")));
    recorded.interrupt();
    const result = await running;
    assert.equal(result.code, 0);
    assert.match(result.err.join("\n"), /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(!existsSync(join(dataDir, "server.pid")), "the data dir is released");
    await assert.rejects(fetch(`${url}/healthz`), "no longer listening");
  });
});
