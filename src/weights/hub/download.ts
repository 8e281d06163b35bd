/**
 * Downloads the files of a Hugging Face repo into the shared hub cache (the layout Python uses),
 * with the maintained @huggingface/hub client, honouring HF_TOKEN, reporting bytes as they arrive.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { HubAccessError, ModelNotFoundError } from "./errors.js";
import { repoFolderName } from "./hf-cache.js";

/** @huggingface/hub, loaded on first use: only a download needs it (a model found on disk never loads it). */
const hub = (): Promise<typeof import("@huggingface/hub")> => import("@huggingface/hub");

export interface DownloadProgress {
  readonly file: string;
  readonly fileIndex: number;
  readonly files: number;
  readonly bytes: number;
  /** null when the server sent no length */
  readonly total: number | null;
}

export interface HubDownloadOptions {
  readonly revision?: string;
  readonly cacheDir: string;
  /** Defaults to $HF_TOKEN. */
  readonly token?: string;
  /** Which repo files to fetch (all when absent). */
  readonly include?: (path: string) => boolean;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** For tests and proxies. */
  readonly fetch?: typeof fetch;
  readonly hubUrl?: string;
}

function countingFetch(base: typeof fetch, onChunk: (bytes: number, total: number | null) => void): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body || (init?.method ?? "GET") !== "GET" || !response.ok) return response;
    const length = Number(response.headers.get("content-length"));
    const total = Number.isFinite(length) && length > 0 ? length : null;
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          onChunk(seen, total);
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code ?? "";
  return error.name === "TypeError" || /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|ECONNRESET/.test(code);
}

/** Turns hub failures into errors that say what to do. */
export async function explainHubError(repoId: string, error: unknown, looked: readonly string[]): Promise<Error> {
  const { HubApiError } = await hub();
  if (error instanceof HubApiError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      return new HubAccessError(
        `${repoId} refused access (HTTP ${error.statusCode}). If it is a gated model such as black-forest-labs/FLUX.1-Fill-dev, ` +
          `accept its licence at https://huggingface.co/${repoId}, create a read token at https://huggingface.co/settings/tokens ` +
          "and run with HF_TOKEN=<token> (or log in with huggingface-cli, which Python and icedit share)",
      );
    }
    if (error.statusCode === 404)
      return new ModelNotFoundError(repoId, looked, "the hub has no such repo (or it is private): check the name");
    return new HubAccessError(`downloading ${repoId} failed: HTTP ${error.statusCode} ${error.message}`);
  }
  if (isNetworkError(error)) {
    return new ModelNotFoundError(
      repoId,
      looked,
      "it is not in the Hugging Face cache and the hub cannot be reached (offline?). Download it on a connected machine " +
        "(icedit or huggingface-cli download) and copy the cache, or pass --model <folder>",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Records which snapshot a branch name points at, as huggingface_hub does (refs/<revision>). */
async function writeRef(cacheDir: string, repoId: string, revision: string, hash: string): Promise<void> {
  if (/^[0-9a-f]{40}$/.test(revision)) return;
  const refs = join(cacheDir, repoFolderName(repoId), "refs");
  await mkdir(join(refs, revision, ".."), { recursive: true });
  await writeFile(join(refs, revision), hash);
}

/** Downloads the selected files of `repoId` into the cache; returns the snapshot folder. */
export async function downloadRepo(repoId: string, options: HubDownloadOptions): Promise<string> {
  const { downloadFileToCacheDir, listFiles } = await hub();
  const accessToken = options.token ?? process.env["HF_TOKEN"] ?? process.env["HUGGING_FACE_HUB_TOKEN"];
  const credentials = accessToken ? { accessToken } : {};
  const base = options.fetch ?? fetch;
  const revision = options.revision ?? "main";
  const common = { repo: { type: "model" as const, name: repoId }, revision, hubUrl: options.hubUrl, ...credentials };
  const files: string[] = [];
  for await (const entry of listFiles({ ...common, recursive: true, fetch: base })) {
    if (entry.type === "file" && (options.include?.(entry.path) ?? true)) files.push(entry.path);
  }
  if (files.length === 0) throw new ModelNotFoundError(repoId, [options.cacheDir], "the repo has none of the files icedit needs");
  let snapshot = "";
  // @huggingface/hub logs every file it starts with console.debug, on standard output.
  const debug = console.debug;
  console.debug = () => undefined;
  try {
    for (const [index, path] of files.entries()) {
      const tracked = countingFetch(base, (bytes, total) =>
        options.onProgress?.({ file: path, fileIndex: index, files: files.length, bytes, total }),
      );
      const local = await downloadFileToCacheDir({ ...common, path, cacheDir: options.cacheDir, fetch: tracked });
      snapshot = local.slice(0, local.length - path.length - 1);
    }
  } finally {
    console.debug = debug;
  }
  await writeRef(options.cacheDir, repoId, revision, basename(snapshot));
  return snapshot;
}
