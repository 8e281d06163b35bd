/** The test runner script ends every run: a test that never settles and a file that keeps its process alive are stopped and reported. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const runner = fileURLToPath(new URL("../../../scripts/run-tests.js", import.meta.url));

describe("scripts/run-tests.js", () => {
  it("ends a run whose file keeps its process alive and whose test never settles, and reports both as failed", () => {
    const dir = mkdtempSync(join(tmpdir(), "icedit-runner-"));
    try {
      writeFileSync(
        join(dir, "open-handle.test.js"),
        'import { test } from "node:test";\ntest("passes", () => {});\nsetInterval(() => {}, 1000);\n',
      );
      writeFileSync(
        join(dir, "never-settles.test.js"),
        'import { test } from "node:test";\ntest("waits on a day-long timer", () => new Promise((done) => setTimeout(done, 86_400_000)));\n',
      );
      const run = spawnSync(process.execPath, [runner], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, ICEDIT_TEST_DIR: dir, ICEDIT_TEST_TIMEOUT_MS: "2000", ICEDIT_GOLDEN_DIR: join(dir, "no-golden") },
      });
      assert.equal(run.signal, null, "the runner hung and had to be killed");
      assert.equal(run.status, 1, "a timed-out test fails the run");
      assert.match(run.stdout, /# pass 1\n/);
      assert.match(run.stdout, /not ok \d+ - .*never-settles\.test\.js\n[\s\S]*?test timed out after 2000ms/);
      assert.match(run.stdout, /not ok \d+ - .*open-handle\.test\.js\n[\s\S]*?test timed out after 2000ms/);
      assert.match(run.stdout, /golden vectors not found at .*no-golden.*ICEDIT_GOLDEN_DIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
