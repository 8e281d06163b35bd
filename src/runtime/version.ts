/** The installed onnxruntime-node's version, read from its package.json (without loading the native module). */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

function installedVersion(): string {
  try {
    const file = createRequire(import.meta.url).resolve("onnxruntime-node/package.json");
    const version: unknown = JSON.parse(readFileSync(file, "utf8")).version;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

export const ONNXRUNTIME_VERSION = installedVersion();
