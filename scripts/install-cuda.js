#!/usr/bin/env node
// Installs onnxruntime-node's CUDA 12 provider (NVIDIA GPUs; needs CUDA 12 and cuDNN 9 on the
// machine). package.json's allowScripts denies onnxruntime-node's own install script, which would
// otherwise download these binaries on every `npm ci` (and fail where that host is unreachable);
// this runs it on purpose: `npm run install:cuda` after `npm ci`.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const packageDir = dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
const result = spawnSync(process.execPath, [join(packageDir, "script", "install.js")], {
  cwd: packageDir,
  stdio: "inherit",
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL || "cuda12" },
});
process.exit(result.status ?? 1);
