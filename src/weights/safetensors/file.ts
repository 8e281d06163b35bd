/**
 * One .safetensors file as a TensorSource: the header is read and validated on open, tensors are
 * read later by byte range through a file handle (the file is never read whole).
 */
import { open, type FileHandle } from "node:fs/promises";
import { allocate, numel, type Tensor } from "../../tensor.js";
import { ClosedSourceError, MissingFileError, MissingTensorError } from "../errors.js";
import { headerLength, parseHeader } from "./header.js";
import { checkRanges } from "./ranges.js";
import { readFully } from "../read-bytes.js";
import { sampleNames } from "../sample-names.js";
import type { TensorEntry, TensorSource } from "../source.js";
import { toF32 } from "../to-f32.js";

/** Opens `path`, turning "no such file" and friends into MissingFileError. */
export async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (cause) {
    const code = cause instanceof Error && "code" in cause ? String(cause.code) : "";
    const problem =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a file" : `cannot be opened (${code || String(cause)})`;
    throw new MissingFileError(path, `${problem}: check the path`, { cause });
  }
}

export class SafetensorsFile implements TensorSource {
  private closed = false;

  private constructor(
    readonly description: string,
    private readonly handle: FileHandle,
    private readonly entries: ReadonlyMap<string, TensorEntry>,
    private readonly meta: Record<string, string>,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    const handle = await openForReading(path);
    try {
      const size = (await handle.stat()).size;
      const prefix = new Uint8Array(8);
      if (size >= 8) await readFully(handle, prefix, 0, path);
      const n = headerLength(prefix, size, path);
      const json = new Uint8Array(n);
      await readFully(handle, json, 8, path);
      const header = parseHeader(json, path);
      checkRanges(header.entries, size - 8 - n, path);
      const entries = new Map<string, TensorEntry>();
      for (const e of header.entries) {
        entries.set(e.name, {
          name: e.name,
          dtype: e.dtype,
          dims: e.dims,
          file: path,
          fileOffset: 8 + n + e.begin,
          byteLength: e.end - e.begin,
        });
      }
      return new SafetensorsFile(path, handle, entries, header.metadata);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): TensorEntry {
    const e = this.entries.get(name);
    if (e === undefined) throw new MissingTensorError(name, this.description, sampleNames(this.names()));
    return e;
  }

  async read(name: string): Promise<Tensor> {
    const e = this.entry(name);
    if (this.closed) throw new ClosedSourceError(this.description, name);
    const data = allocate(e.dtype, numel(e.dims));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    await readFully(this.handle, bytes, e.fileOffset, this.description);
    return { dtype: e.dtype, dims: e.dims, data };
  }

  async readF32(name: string): Promise<Tensor<"f32">> {
    return toF32(await this.read(name), name, this.description);
  }

  metadata(): Record<string, string> {
    return { ...this.meta };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
