/**
 * What the file-backed TensorSources (safetensors, GGUF) share: a map of entries read from the
 * header on open, and byte ranges read later through one file handle until close().
 */
import type { FileHandle } from "node:fs/promises";
import { allocate, numel, type Tensor } from "../tensor.js";
import { ClosedSourceError, MissingTensorError } from "./errors.js";
import { readFully } from "./read-bytes.js";
import { sampleNames } from "./sample-names.js";
import type { TensorEntry, TensorSource } from "./source.js";
import { toF32 } from "./to-f32.js";

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
