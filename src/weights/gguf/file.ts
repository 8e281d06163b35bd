/**
 * One GGUF file as a TensorSource: the header is parsed and validated on open, each tensor is read
 * later from its own byte range (data_start + offset) through a file handle.
 *
 * read() gives F32/F16/BF16 tensors in their native dtype (exact bytes) and Q8_0/Q4_0 tensors
 * dequantized exactly to float32 (their entry says dtype "f32" and `ggmlType` the stored type);
 * readBlocks() gives a Q8_0/Q4_0 tensor as scales + codes for MatMulNBits.
 */
import type { FileHandle } from "node:fs/promises";
import { numel, type Tensor } from "../../tensor.js";
import { FileTensorSource, openFileSource } from "../file-source.js";
import { readFully } from "../read-bytes.js";
import type { TensorEntry } from "../source.js";
import { dequantizeBlocks, splitBlocks, type GgufBlocks } from "./blocks.js";
import { GgufFormatError, NotBlockQuantizedError } from "./errors.js";
import { NeedMoreBytes, parseGgufHeader } from "./header.js";
import { isBlockType, READ_DTYPE, type GgmlTypeName, type GgufInfo, type GgufTensorInfo, type GgufValue } from "./types.js";

/** ComfyUI-GGUF strips this from tensor names; so do we. */
export const COMFY_PREFIX = "model.diffusion_model.";

/** The first read; doubled until the header fits. */
const FIRST_READ_BYTES = 256 * 1024;

export interface GgufTensorEntry extends TensorEntry {
  /** The type stored in the file; `dtype` is what read() returns. */
  readonly ggmlType: GgmlTypeName;
  /** The name in the file (before the prefix was stripped). */
  readonly storedName: string;
}

/** A metadata value as text, for TensorSource.metadata(): arrays as JSON, 64-bit integers exact. */
export function metadataText(v: GgufValue): string {
  const plain = (x: GgufValue): unknown =>
    x.type === "ARRAY" ? x.value.map(plain) : typeof x.value === "bigint" ? x.value.toString() : x.value;
  return v.type === "ARRAY" ? JSON.stringify(plain(v)) : String(plain(v));
}

async function readHeader(handle: FileHandle, size: number, path: string): Promise<GgufInfo> {
  let length = Math.min(size, FIRST_READ_BYTES);
  for (;;) {
    const bytes = new Uint8Array(length);
    await readFully(handle, bytes, 0, path);
    try {
      return parseGgufHeader(bytes, size, path);
    } catch (error) {
      if (!(error instanceof NeedMoreBytes)) throw error;
      length = Math.min(size, Math.max(2 * length, error.needed));
    }
  }
}

export class GgufFile extends FileTensorSource<GgufTensorEntry> {
  private constructor(
    description: string,
    readonly gguf: GgufInfo,
    handle: FileHandle,
    entries: ReadonlyMap<string, GgufTensorEntry>,
  ) {
    super(description, handle, entries);
  }

  static open(path: string): Promise<GgufFile> {
    return openFileSource(path, async (handle, size) => {
      const info = await readHeader(handle, size, path);
      const entries = new Map<string, GgufTensorEntry>();
      for (const t of info.tensors) {
        const name = t.name.startsWith(COMFY_PREFIX) ? t.name.slice(COMFY_PREFIX.length) : t.name;
        const other = entries.get(name);
        if (other)
          throw new GgufFormatError(
            path,
            `tensors ${other.storedName} and ${t.name} both become ${name} without the ${COMFY_PREFIX} prefix`,
          );
        entries.set(name, entryOf(name, t, info, path));
      }
      return new GgufFile(path, info, handle, entries);
    });
  }

  override async read(name: string): Promise<Tensor> {
    const e = this.entry(name);
    if (isBlockType(e.ggmlType)) {
      return { dtype: "f32", dims: e.dims, data: dequantizeBlocks(await this.readBlocks(name)) };
    }
    return super.read(name);
  }

  /** A Q8_0/Q4_0 tensor as [rows, cols] blocks (cols = the last torch dim); other types throw NotBlockQuantizedError. */
  async readBlocks(name: string): Promise<GgufBlocks> {
    const e = this.entry(name);
    if (!isBlockType(e.ggmlType)) throw new NotBlockQuantizedError(this.description, name, e.ggmlType);
    const cols = e.dims[e.dims.length - 1] ?? 1;
    return splitBlocks(e.ggmlType, await this.bytes(e), numel(e.dims) / cols, cols);
  }

  metadata(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, v] of this.gguf.metadata) out[key] = metadataText(v);
    return out;
  }
}

function entryOf(name: string, t: GgufTensorInfo, info: GgufInfo, file: string): GgufTensorEntry {
  return {
    name,
    storedName: t.name,
    dtype: READ_DTYPE[t.type],
    ggmlType: t.type,
    dims: t.dims,
    file,
    fileOffset: info.dataStart + t.offset,
    byteLength: t.nbytes,
  };
}
