/**
 * Turns what a user typed for --model or --lora (a path, or a Hugging Face repo id) into a local
 * folder or file: the path itself, the hub cache entry Python already downloaded, or a fresh
 * download into that same cache.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { cachedSnapshot, hubCacheDir, isRepoId, repoFolderName } from "./hf-cache.js";
import { downloadRepo, explainHubError, type DownloadProgress } from "./download.js";
import { ModelNotFoundError } from "./errors.js";

export interface LocateOptions {
  readonly revision?: string;
  readonly cacheDir?: string;
  /** false: never download (only paths and the cache). */
  readonly download?: boolean;
  /** The repo files needed (all when absent). */
  readonly include?: (path: string) => boolean;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly fetch?: typeof fetch;
  readonly hubUrl?: string;
  readonly token?: string;
  /** What is looked for, in messages ("model", "LoRA"). */
  readonly what?: string;
}

export interface Located {
  readonly path: string;
  /** How it was found. */
  readonly from: "path" | "cache" | "download";
  readonly repoId?: string;
  readonly revision?: string;
}

export async function locate(spec: string, options: LocateOptions = {}): Promise<Located> {
  if (existsSync(spec)) return { path: resolve(spec), from: "path" };
  const cacheDir = options.cacheDir ?? hubCacheDir();
  const revision = options.revision ?? "main";
  if (!isRepoId(spec)) {
    throw new ModelNotFoundError(
      spec,
      [resolve(spec)],
      "no such file or folder, and it is not a Hugging Face repo id (org/name)",
      options.what,
    );
  }
  const looked = [resolve(spec), `${cacheDir}/${repoFolderName(spec)} (revision ${revision})`];
  const cached = cachedSnapshot(spec, revision, cacheDir);
  if (cached) return { path: cached, from: "cache", repoId: spec, revision };
  if (options.download === false)
    throw new ModelNotFoundError(spec, looked, "it is not in the Hugging Face cache and downloading is off", options.what);
  try {
    const path = await downloadRepo(spec, {
      revision,
      cacheDir,
      include: options.include,
      onProgress: options.onProgress,
      fetch: options.fetch,
      hubUrl: options.hubUrl,
      token: options.token,
    });
    return { path, from: "download", repoId: spec, revision };
  } catch (error) {
    throw await explainHubError(spec, error, looked);
  }
}
