/**
 * The encoded-example cache: one safetensors file per example (x0, img_cond, txt, y) named by the
 * SHA-256 of its key. Like the converted-weights cache, an entry is trusted only after its checks
 * pass: the file parses with every tensor inside it (a truncated file fails here), the header
 * names our format and the same key, the tensors have the expected ranks and sizes, and the
 * SHA-256 of the tensor bytes equals the one recorded when it was written. A failed check is a
 * miss: the caller recomputes the entry and writes it again, atomically (temp file + rename).
 */
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { bf16ToF32, f32ToBf16 } from "../../numeric/float16.js";
import { tensor, type Tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import { writeSafetensors } from "../../weights/safetensors/writer.js";

/** Written into every entry; bump it when what an entry holds changes. */
export const EXAMPLE_FORMAT = "icedit-train-example-1";

/**
 * How entries store their tensors: "f32" as computed, or "bf16" (half the disk: about 5.5 MB
 * instead of 11 MB per 512 x 1024 example, most of it T5's [512, 4096] states; the reference
 * trains in bf16 anyway).
 */
export type CacheStorage = "f32" | "bf16";

/** `t` as an entry with `storage` will give it back: bf16 values are rounded (to nearest even). */
export function storedValues(t: Tensor<"f32">, storage: CacheStorage): Tensor<"f32"> {
  return storage === "f32" ? t : tensor("f32", t.dims, bf16ToF32(f32ToBf16(t.data)));
}

/** The tensors of one entry (a text-only entry, the dropped prompt's, has no x0 / img_cond). */
export interface CachedTensors {
  readonly [name: string]: Tensor<"f32">;
}

/** The expected rank of each tensor name; an entry missing one of `names` is a miss. */
export type EntryShape = Readonly<Record<string, number>>;

/** Temp files of writeSafetensors; one this old belongs to a write whose process died. */
const TEMP_NAME = /^\.[0-9a-f]{64}\.safetensors\.\d+\.[0-9a-f]+\.tmp$/;
export const STALE_TEMP_MS = 60 * 60 * 1000;

export function sha256Text(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function payloadDigest(tensors: readonly Tensor<"f32">[]): string {
  const hash = createHash("sha256");
  for (const t of tensors) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return hash.digest("hex");
}

export type CacheLookup = { readonly hit: CachedTensors } | { readonly miss: string };

export class ExampleCache {
  constructor(readonly dir: string) {}

  path(key: string): string {
    return join(this.dir, `${sha256Text(key)}.safetensors`);
  }

  /** Removes temp files left by writes that died (older than STALE_TEMP_MS); gives how many. */
  async removeStaleTemps(now = Date.now()): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names.filter((n) => TEMP_NAME.test(n))) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && now - info.mtimeMs > STALE_TEMP_MS) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** The entry for `key` if every check passes, else why not. */
  async read(key: string, shape: EntryShape): Promise<CacheLookup> {
    const digest = sha256Text(key);
    let source: Awaited<ReturnType<typeof openSafetensors>>;
    // openSafetensors' errors do not carry the file system's code: a missing entry is told apart first.
    if (!existsSync(this.path(key))) return { miss: "not cached" };
    try {
      source = await openSafetensors(this.path(key));
    } catch (error) {
      return { miss: `unreadable (${error instanceof Error ? error.message : String(error)})` };
    }
    try {
      const meta = source.metadata();
      if (meta["format"] !== EXAMPLE_FORMAT) return { miss: `format ${meta["format"] ?? "none"}, not ${EXAMPLE_FORMAT}` };
      if (meta["key_sha256"] !== digest) return { miss: "written for another key" };
      const names = Object.keys(shape).sort();
      const tensors: Record<string, Tensor<"f32">> = {};
      for (const name of names) {
        if (!source.has(name)) return { miss: `no tensor ${name}` };
        const t = await source.readF32(name);
        if (t.dims.length !== shape[name]) return { miss: `${name} has rank ${t.dims.length}, expected ${shape[name]}` };
        tensors[name] = t;
      }
      if (payloadDigest(names.map((n) => tensors[n] as Tensor<"f32">)) !== meta["payload_sha256"]) {
        return { miss: "the tensor bytes do not match their recorded SHA-256" };
      }
      return { hit: tensors };
    } catch (error) {
      return { miss: `damaged (${error instanceof Error ? error.message : String(error)})` };
    } finally {
      await source.close().catch(() => undefined);
    }
  }

  /**
   * Writes the entry atomically. `tensors` must hold the values as stored (storedValues): the
   * SHA-256 covers them as float32, in name order, which is what read() recomputes.
   */
  async write(key: string, tensors: CachedTensors, origin: string, storage: CacheStorage): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = Object.keys(tensors).sort();
    const metadata = {
      format: EXAMPLE_FORMAT,
      key_sha256: sha256Text(key),
      payload_sha256: payloadDigest(names.map((n) => tensors[n] as Tensor<"f32">)),
      origin,
    };
    const stored: Record<string, Tensor> = {};
    for (const name of names) {
      const t = tensors[name] as Tensor<"f32">;
      stored[name] = storage === "f32" ? t : tensor("bf16", t.dims, f32ToBf16(t.data));
    }
    await writeSafetensors(this.path(key), stored, metadata);
  }
}
