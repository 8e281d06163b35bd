#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner.
// Node 20's `node --test` takes no globs, so the files are listed here. Extra arguments are passed
// on (e.g. `npm test -- --test-name-pattern=safetensors`).
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith(".test.js")) found.push(path);
  }
  return found.sort();
}

const files = findTests("dist/test");
// Tests never write into the user's caches: converted weights and text embeddings go to a
// throw-away folder unless a test names its own.
const cacheDir = mkdtempSync(join(tmpdir(), "icedit-test-cache-"));
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...process.argv.slice(2), ...files], {
  stdio: "inherit",
  env: { ...process.env, ICEDIT_CACHE_DIR: cacheDir },
});
rmSync(cacheDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
