/**
 * What the file-backed TensorSources (safetensors, GGUF) share: a map of entries read from the
 * header on open, and byte ranges read later through one file handle until close().
 */
import { open, type FileHandle } from "node:fs/promises";
import { allocate, numel, type Tensor } from "../tensor.js";
import { ClosedSourceError, MissingFileError, MissingTensorError } from "./errors.js";
import { readFully } from "./read-bytes.js";
import { sampleNames } from "./sample-names.js";
import type { TensorEntry, TensorSource } from "./source.js";
import { toF32 } from "./to-f32.js";

/** Opens `path`, turning "no such file" and friends into MissingFileError. */
async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (cause) {
    const code = cause instanceof Error && "code" in cause ? String(cause.code) : "";
    const problem =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a file" : `cannot be opened (${code || String(cause)})`;
    throw new MissingFileError(path, `${problem}: check the path`, { cause });
  }
}

/** Opens `path` and gives its handle and size to `make`; the handle is closed if `make` fails. */
export async function openFileSource<T>(path: string, make: (handle: FileHandle, size: number) => Promise<T>): Promise<T> {
  const handle = await openForReading(path);
  try {
    return await make(handle, (await handle.stat()).size);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export abstract class FileTensorSource<E extends TensorEntry> implements TensorSource {
  private closed = false;

  protected constructor(
    readonly description: string,
    private readonly handle: FileHandle,
    private readonly entries: ReadonlyMap<string, E>,
  ) {}

  abstract metadata(): Record<string, string>;

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): E {
    const e = this.entries.get(name);
    if (e === undefined) throw new MissingTensorError(name, this.description, sampleNames(this.names()));
    return e;
  }

  /** The tensor as stored: the file's bytes in its dtype, exactly. */
  async read(name: string): Promise<Tensor> {
    const e = this.entry(name);
    const data = allocate(e.dtype, numel(e.dims));
    await this.bytes(e, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return { dtype: e.dtype, dims: e.dims, data };
  }

  async readF32(name: string): Promise<Tensor<"f32">> {
    return toF32(await this.read(name), name, this.description);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /** The stored bytes of `e`, into `into` when given (it must be e.byteLength long). */
  protected async bytes(e: E, into?: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new ClosedSourceError(this.description, e.name);
    const out = into ?? new Uint8Array(e.byteLength);
    await readFully(this.handle, out, e.fileOffset, this.description);
    return out;
  }
}
