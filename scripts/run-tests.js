#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner.
// Node 20's `node --test` takes no globs, so the files are listed here. Extra arguments are passed
// on (e.g. `npm test -- --test-name-pattern=safetensors`).
//
// Nothing hangs: each test, and each file, has a time limit (--test-timeout: a file that keeps its
// process alive after its tests is stopped and reported), and the whole run is killed after
// ICEDIT_TEST_RUN_LIMIT_S seconds (default 1500) with a message saying so.
//
// The run's test files share fixtures they make once (the random demo model) in ICEDIT_TEST_FIXTURES,
// a folder inside the run's throw-away cache (test/api/fixtures.ts, sharedFixture).
//
// Two test files run at a time (ICEDIT_TEST_CONCURRENCY): most of a file's time is single-threaded
// JavaScript, process start and waiting on child processes, so on 2 cores the run takes about half
// the time of one file at a time (281 s against 592 s here for the same 1399 tests).
//
// Environment: ICEDIT_TEST_DIR (where the compiled tests are; dist/test), ICEDIT_TEST_TIMEOUT_MS
// (per test; 600000), ICEDIT_TEST_CONCURRENCY (test files at a time; 2), ICEDIT_GOLDEN_DIR (the
// golden vectors; ../shared/golden beside the checkout).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith(".test.js")) found.push(path);
  }
  return found.sort();
}

const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const testDir = process.env.ICEDIT_TEST_DIR || join(checkout, "dist", "test");
const perTestMs = Number(process.env.ICEDIT_TEST_TIMEOUT_MS || 600_000);
const runLimitS = Number(process.env.ICEDIT_TEST_RUN_LIMIT_S || 1500);
const concurrency = Number(process.env.ICEDIT_TEST_CONCURRENCY || 2);
if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
  console.error(
    `# ICEDIT_TEST_CONCURRENCY takes a whole number >= 1 (test files run at a time), got ${process.env.ICEDIT_TEST_CONCURRENCY}`,
  );
  process.exit(2);
}
const golden = resolve(process.env.ICEDIT_GOLDEN_DIR || join(checkout, "..", "shared", "golden"));
if (!existsSync(join(golden, "manifest.json"))) {
  console.log(
    `# golden vectors not found at ${golden}: the tests that need them are skipped (put them there or set ICEDIT_GOLDEN_DIR=DIR)`,
  );
}

const files = findTests(testDir);
// Tests never write into the user's caches: converted weights and text embeddings go to a
// throw-away folder unless a test names its own.
const cacheDir = mkdtempSync(join(tmpdir(), "icedit-test-cache-"));
const args = ["--test", `--test-concurrency=${concurrency}`, `--test-timeout=${perTestMs}`, ...process.argv.slice(2), ...files];
const fixtures = join(cacheDir, "test-fixtures");
mkdirSync(fixtures);
const env = { ...process.env, ICEDIT_CACHE_DIR: cacheDir, ICEDIT_TEST_FIXTURES: fixtures };
delete env.NODE_TEST_CONTEXT; // run as a top-level runner even when started from inside a test
const result = spawnSync(process.execPath, args, {
  stdio: "inherit",
  env,
  timeout: runLimitS * 1000,
  killSignal: "SIGKILL",
});
rmSync(cacheDir, { recursive: true, force: true });
if (result.signal) {
  console.error(`# the test run was stopped by ${result.signal} after the ${runLimitS} s limit (ICEDIT_TEST_RUN_LIMIT_S)`);
  process.exit(1);
}
process.exit(result.status ?? 1);
