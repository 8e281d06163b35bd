/**
 * One .safetensors file as a TensorSource: the header is read and validated on open, tensors are
 * read later by byte range through a file handle (the file is never read whole).
 */
import type { FileHandle } from "node:fs/promises";
import { FileTensorSource, openFileSource } from "../file-source.js";
import { headerLength, parseHeader } from "./header.js";
import { checkRanges } from "./ranges.js";
import { readFully } from "../read-bytes.js";
import type { TensorEntry } from "../source.js";

export class SafetensorsFile extends FileTensorSource<TensorEntry> {
  private constructor(
    description: string,
    handle: FileHandle,
    entries: ReadonlyMap<string, TensorEntry>,
    private readonly meta: Record<string, string>,
  ) {
    super(description, handle, entries);
  }

  static open(path: string): Promise<SafetensorsFile> {
    return openFileSource(path, async (handle, size) => {
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
    });
  }

  metadata(): Record<string, string> {
    return { ...this.meta };
  }
}
