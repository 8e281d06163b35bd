/**
 * Text embeddings cached on disk (one small safetensors file per prompt, named by a hash of the
 * cache key), so repeated instructions skip T5 across runs. Writes are atomic; a damaged entry is
 * treated as a miss.
 */
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../tensor.js";
import { openSafetensors } from "./safetensors/open.js";
import { writeSafetensors } from "./safetensors/writer.js";

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

export class DiskEmbeddingCache implements EmbeddingCache {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.safetensors`);
  }

  async get(key: string): Promise<TextEmbedding | undefined> {
    const path = this.file(key);
    if (!existsSync(path)) return undefined;
    try {
      const source = await openSafetensors(path);
      try {
        if (source.metadata()["key"] !== key) return undefined;
        return { txt: await source.readF32("txt"), y: await source.readF32("y") };
      } finally {
        await source.close();
      }
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: TextEmbedding): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeSafetensors(this.file(key), { txt: value.txt, y: value.y }, { key });
  }
}
