/**
 * Parses and validates a GGUF v3 header (magic, version, metadata, tensor infos) from the first
 * bytes of a file. The parser is synchronous over a byte prefix; when the prefix is too short it
 * throws NeedMoreBytes and the caller reads a longer one (the file is never read whole).
 */
import { TensorOffsetError, TruncatedFileError } from "../errors.js";
import { GgufFormatError, UnsupportedGgmlTypeError, UnsupportedGgufVersionError } from "./errors.js";
import {
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_DIMS,
  GGUF_VALUE_TYPES,
  GGUF_VERSION,
  ggmlTypeName,
  type GgufInfo,
  type GgufTensorInfo,
  type GgufValue,
  type GgufValueTypeName,
} from "./types.js";

/** The prefix ended before the header did; `needed` is the prefix length that gets past this point. */
export class NeedMoreBytes {
  constructor(readonly needed: number) {}
}

/** Bytes each value type takes at least (used to refuse absurd array counts before looping). */
const MIN_BYTES: Readonly<Record<GgufValueTypeName, number>> = {
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  UINT32: 4,
  INT32: 4,
  FLOAT32: 4,
  BOOL: 1,
  STRING: 8,
  ARRAY: 12,
  UINT64: 8,
  INT64: 8,
  FLOAT64: 8,
};

class Cursor {
  pos = 0;
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly bytes: Uint8Array,
    readonly fileSize: number,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.fileSize) {
      throw new TruncatedFileError(this.file, `the file ends inside ${what} at byte ${at}: ${n} bytes needed, ${this.fileSize - at} left`);
    }
    if (at + n > this.bytes.length) throw new NeedMoreBytes(at + n);
    this.pos += n;
    return at;
  }

  u8(what: string): number {
    return this.view.getUint8(this.take(1, what));
  }
  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  u64(what: string): number {
    const v = this.view.getBigUint64(this.take(8, what), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(this.file, `${what} is ${v}, which is absurd: the file is corrupt`);
    return Number(v);
  }

  /** A u64 count of items of at least `itemBytes` bytes each, checked against the bytes left in the file. */
  count(what: string, itemBytes: number): number {
    const n = this.u64(what);
    if (n * itemBytes > this.fileSize - this.pos) {
      throw new TruncatedFileError(this.file, `${what} is ${n}, but only ${this.fileSize - this.pos} bytes follow at byte ${this.pos}`);
    }
    return n;
  }

  string(what: string): string {
    const n = this.count(`the length of ${what}`, 1);
    const at = this.take(n, what);
    try {
      return this.utf8.decode(this.bytes.subarray(at, at + n));
    } catch {
      throw new GgufFormatError(this.file, `${what} at byte ${at} is not valid UTF-8`);
    }
  }

  valueType(what: string): GgufValueTypeName {
    const id = this.u32(`the value type of ${what}`);
    const name = GGUF_VALUE_TYPES[id];
    if (name === undefined) throw new GgufFormatError(this.file, `${what} has value type ${id}, which GGUF does not define (0..12)`);
    return name;
  }

  value(type: GgufValueTypeName, what: string): GgufValue {
    switch (type) {
      case "UINT8":
        return { type, value: this.u8(what) };
      case "INT8":
        return { type, value: this.view.getInt8(this.take(1, what)) };
      case "UINT16":
        return { type, value: this.view.getUint16(this.take(2, what), true) };
      case "INT16":
        return { type, value: this.view.getInt16(this.take(2, what), true) };
      case "UINT32":
        return { type, value: this.u32(what) };
      case "INT32":
        return { type, value: this.view.getInt32(this.take(4, what), true) };
      case "FLOAT32":
        return { type, value: this.view.getFloat32(this.take(4, what), true) };
      case "FLOAT64":
        return { type, value: this.view.getFloat64(this.take(8, what), true) };
      case "UINT64":
        return { type, value: this.view.getBigUint64(this.take(8, what), true) };
      case "INT64":
        return { type, value: this.view.getBigInt64(this.take(8, what), true) };
      case "BOOL":
        return { type, value: this.u8(what) !== 0 };
      case "STRING":
        return { type, value: this.string(what) };
      case "ARRAY": {
        const elementType = this.valueType(`the elements of ${what}`);
        const n = this.count(`the element count of ${what}`, MIN_BYTES[elementType]);
        const value: GgufValue[] = [];
        for (let i = 0; i < n; i++) value.push(this.value(elementType, `${what}[${i}]`));
        return { type, elementType, value };
      }
    }
  }
}

function versionHint(version: number): string {
  if (version > 0xffff && (version & 0xffff) === 0) return ": this looks like a big-endian GGUF file; use a little-endian one";
  if (version < GGUF_VERSION) return ": re-convert the model with a current gguf tool";
  return "";
}

function alignmentOf(metadata: ReadonlyMap<string, GgufValue>, file: string): number {
  const v = metadata.get("general.alignment");
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const n = typeof v.value === "number" || typeof v.value === "bigint" ? Number(v.value) : NaN;
  const integer = ["UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64"].includes(v.type);
  if (!integer || !Number.isSafeInteger(n) || n <= 0 || (n & (n - 1)) !== 0) {
    throw new GgufFormatError(file, `general.alignment must be a power-of-two integer, got ${v.type} ${String(v.value)}`);
  }
  return n;
}

function tensorInfo(c: Cursor, index: number, alignment: number, file: string): GgufTensorInfo {
  const name = c.string(`the name of tensor #${index}`);
  const nDims = c.u32(`n_dims of tensor ${name}`);
  if (nDims > GGUF_MAX_DIMS)
    throw new GgufFormatError(file, `tensor ${name} has ${nDims} dimensions; ggml allows at most ${GGUF_MAX_DIMS}`);
  const ne: number[] = [];
  for (let d = 0; d < nDims; d++) ne.push(c.u64(`dimension ${d} of tensor ${name}`));
  const typeId = c.u32(`the type of tensor ${name}`);
  const offset = c.u64(`the data offset of tensor ${name}`);
  const type = GGML_TYPES.get(typeId);
  if (type === undefined) throw new UnsupportedGgmlTypeError(file, name, ggmlTypeName(typeId));
  const rowLength = ne[0] ?? 1;
  if (rowLength % type.blockSize !== 0) {
    throw new GgufFormatError(
      file,
      `tensor ${name} is ${type.name} with rows of ${rowLength} elements, not a multiple of its block size ${type.blockSize}`,
    );
  }
  const elements = ne.reduce((a, b) => a * b, 1);
  const nbytes = (elements / type.blockSize) * type.blockBytes;
  if (!Number.isSafeInteger(nbytes)) throw new GgufFormatError(file, `tensor ${name} has absurd dimensions [${ne.join(", ")}]`);
  if (offset % alignment !== 0) {
    throw new TensorOffsetError(file, name, `its data offset ${offset} is not a multiple of the alignment ${alignment}`);
  }
  return { name, type: type.name, ne, dims: [...ne].reverse(), offset, nbytes };
}

/** Every tensor's bytes lie inside the file and no two overlap. */
function checkRanges(tensors: readonly GgufTensorInfo[], dataStart: number, fileSize: number, file: string): void {
  for (const t of tensors) {
    const end = dataStart + t.offset + t.nbytes;
    if (end > fileSize) {
      throw new TruncatedFileError(
        file,
        `tensor ${t.name} (${t.type} [${t.dims.join(", ")}]) needs bytes [${dataStart + t.offset}, ${end}), the file has ${fileSize}`,
      );
    }
  }
  const sorted = tensors.filter((t) => t.nbytes > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as GgufTensorInfo;
    const cur = sorted[i] as GgufTensorInfo;
    if (cur.offset < prev.offset + prev.nbytes) {
      throw new TensorOffsetError(
        file,
        cur.name,
        `its bytes [${cur.offset}, ${cur.offset + cur.nbytes}) overlap those of tensor ${prev.name}`,
      );
    }
  }
}

/** Parses the header from `bytes` (a prefix of a file of `fileSize` bytes). */
export function parseGgufHeader(bytes: Uint8Array, fileSize: number, file: string): GgufInfo {
  const c = new Cursor(bytes, fileSize, file);
  const magic = c.u32("the magic");
  if (magic !== GGUF_MAGIC) {
    const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new GgufFormatError(file, `it does not start with the magic "GGUF" (47 47 55 46) but with ${start}: is it a GGUF file?`);
  }
  const version = c.u32("the version");
  if (version !== GGUF_VERSION) throw new UnsupportedGgufVersionError(file, version, versionHint(version));
  const tensorCount = c.count("tensor_count", 24);
  const kvCount = c.count("kv_count", 13);
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(`metadata key #${i}`);
    const value = c.value(c.valueType(`metadata ${key}`), `metadata ${key}`);
    if (metadata.has(key)) throw new GgufFormatError(file, `metadata key ${key} appears twice`);
    metadata.set(key, value);
  }
  const alignment = alignmentOf(metadata, file);
  const tensors: GgufTensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const t = tensorInfo(c, i, alignment, file);
    if (seen.has(t.name)) throw new GgufFormatError(file, `tensor ${t.name} appears twice`);
    seen.add(t.name);
    tensors.push(t);
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  checkRanges(tensors, dataStart, fileSize, file);
  return { version, alignment, dataStart, fileSize, metadata, tensors };
}
