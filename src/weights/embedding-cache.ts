/**
 * Text embeddings cached on disk, so repeated instructions skip T5 across runs: one small
 * safetensors file per prompt, named by the SHA-256 of the cache key (the prompt and the encoders'
 * identity). Neither the key nor the prompt is written anywhere. The folder is kept within a size
 * limit: after each write the least recently used entries (file mtime, set on every write and hit)
 * are removed. Writes are atomic; a damaged entry is a miss and is rewritten; a cache that cannot
 * be read or written never fails an edit.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { openSafetensors } from "./safetensors/open.js";
import { encodeSafetensorsHeader, writeSafetensors } from "./safetensors/writer.js";

export interface TextEmbedding {
  /** T5 hidden states [1, T, d_t5] */
  readonly txt: Tensor<"f32">;
  /** CLIP pooled [1, d_clip] */
  readonly y: Tensor<"f32">;
}

export interface EmbeddingCache {
  get(key: string): Promise<TextEmbedding | undefined>;
  set(key: string, value: TextEmbedding): Promise<void>;
}

/** 256 MiB: about 30 prompts of the real T5-XXL (8 MiB each), thousands of a small model's. */
export const DEFAULT_EMBEDDING_CACHE_BYTES = 256 * 2 ** 20;

export interface DiskEmbeddingCacheOptions {
  /** Most bytes the entries may take together. Default DEFAULT_EMBEDDING_CACHE_BYTES. */
  readonly maxBytes?: number;
}

/** Written into every entry's header, with the key's SHA-256; entries without it are not ours. */
const FORMAT = "icedit-embedding-2";
const ENTRY_NAME = /^[0-9a-f]{64}\.safetensors$/;
/** Entries of the first format: a 32-hex name and the key, prompt included, in plain text. */
const OLD_ENTRY_NAME = /^[0-9a-f]{32}\.safetensors$/;
/** Temp files of writeSafetensors; one this old belongs to a write that died. */
const TEMP_NAME = /^\.[0-9a-f]{64}\.safetensors\.\d+\.[0-9a-f]+\.tmp$/;
const STALE_TEMP_MS = 60 * 60 * 1000;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

interface Entry {
  readonly path: string;
  readonly bytes: number;
  readonly usedMs: number;
}

export class DiskEmbeddingCache implements EmbeddingCache {
  readonly maxBytes: number;
  /** Last use stamp given out, so uses within one millisecond still order. */
  private lastUseMs = 0;
  private tidied: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    options: DiskEmbeddingCacheOptions = {},
  ) {
    const maxBytes = options.maxBytes ?? DEFAULT_EMBEDDING_CACHE_BYTES;
    if (!Number.isFinite(maxBytes) || maxBytes <= 0) {
      throw new InvalidArgumentError(
        `the embedding cache's maxBytes (embeddingCacheSize) takes a positive number of bytes, got ${maxBytes}`,
      );
    }
    this.maxBytes = Math.floor(maxBytes);
  }

  private file(digest: string): string {
    return join(this.dir, `${digest}.safetensors`);
  }

  /** Marks an entry as just used; a later use always gets a later stamp. */
  private async touch(path: string): Promise<void> {
    this.lastUseMs = Math.max(Date.now(), this.lastUseMs + 1);
    const when = new Date(this.lastUseMs);
    await utimes(path, when, when);
  }

  /** Once per instance: old-format entries and dead temp files go, and the folder is brought within the limit. */
  private tidyOnce(): Promise<void> {
    return (this.tidied ??= this.evict().catch(() => undefined));
  }

  async get(key: string): Promise<TextEmbedding | undefined> {
    await this.tidyOnce();
    const digest = sha256(key);
    const path = this.file(digest);
    try {
      const source = await openSafetensors(path);
      let value: TextEmbedding;
      try {
        const meta = source.metadata();
        if (meta["format"] !== FORMAT || meta["key_sha256"] !== digest) return undefined;
        value = { txt: await source.readF32("txt"), y: await source.readF32("y") };
      } finally {
        await source.close();
      }
      if (value.txt.dims.length !== 3 || value.y.dims.length !== 2) return undefined;
      await this.touch(path);
      return value;
    } catch {
      // Missing, unreadable or damaged: a miss. The caller's set() writes the entry again.
      return undefined;
    }
  }

  async set(key: string, value: TextEmbedding): Promise<void> {
    const digest = sha256(key);
    const tensors = { txt: value.txt, y: value.y };
    const metadata = { format: FORMAT, key_sha256: digest };
    try {
      const bytes = encodeSafetensorsHeader(tensors, metadata).byteLength + value.txt.data.byteLength + value.y.data.byteLength;
      if (bytes > this.maxBytes) return;
      await mkdir(this.dir, { recursive: true });
      await this.tidyOnce();
      const path = this.file(digest);
      await writeSafetensors(path, tensors, metadata);
      await this.touch(path);
      await this.evict();
    } catch {
      // A cache that cannot be written (full disk, no permission) costs a T5 run next time, not the edit.
    }
  }

  /** Removes old-format entries and dead temp files, then the least recently used entries beyond the limit. */
  private async evict(): Promise<void> {
    const names = await readdir(this.dir);
    const entries: Entry[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (OLD_ENTRY_NAME.test(name)) {
        await rm(path, { force: true });
        continue;
      }
      if (!ENTRY_NAME.test(name) && !TEMP_NAME.test(name)) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (TEMP_NAME.test(name)) {
        if (Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
        continue;
      }
      entries.push({ path, bytes: info.size, usedMs: info.mtimeMs });
    }
    entries.sort((a, b) => a.usedMs - b.usedMs || a.path.localeCompare(b.path));
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      await rm(entry.path, { force: true });
      total -= entry.bytes;
    }
  }
}
