/**
 * The Hugging Face hub cache as Python's huggingface_hub lays it out, so weights a user already
 * downloaded are used as they are: <cache>/models--<org>--<name>/{refs/<rev>, snapshots/<hash>/...}.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the cache is: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["HF_HUB_CACHE"]) return env["HF_HUB_CACHE"];
  if (env["HF_HOME"]) return join(env["HF_HOME"], "hub");
  const xdg = env["XDG_CACHE_HOME"];
  return join(xdg || join(homedir(), ".cache"), "huggingface", "hub");
}

/** "org/name" -> "models--org--name". */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.replace(/\//g, "--")}`;
}

/** "org/name", not an existing path and not a file name (a missing "loras/x.safetensors" is a path). */
export function isRepoId(spec: string): boolean {
  if (/\.(safetensors|gguf|json|bin|pt|ckpt|onnx)$/i.test(spec)) return false;
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(spec) && !spec.startsWith(".") && !existsSync(spec);
}

const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** The snapshot folder of `repoId` at `revision` in `cacheDir`, or null when it is not cached. */
export function cachedSnapshot(repoId: string, revision: string, cacheDir: string): string | null {
  const repoDir = join(cacheDir, repoFolderName(repoId));
  const snapshots = join(repoDir, "snapshots");
  if (!existsSync(snapshots)) return null;
  let hash: string | null = null;
  const ref = join(repoDir, "refs", revision);
  if (existsSync(ref)) hash = readFileSync(ref, "utf8").trim();
  else if (COMMIT_HASH.test(revision)) hash = revision;
  if (hash) {
    const dir = join(snapshots, hash);
    return existsSync(dir) ? dir : null;
  }
  // No ref for this revision: a single snapshot is unambiguous (e.g. copied caches without refs/).
  const all = readdirSync(snapshots).filter((d) => statSync(join(snapshots, d)).isDirectory());
  return all.length === 1 ? join(snapshots, all[0] as string) : null;
}
