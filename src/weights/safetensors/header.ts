/**
 * The safetensors header: u64 little-endian length N, then N bytes of UTF-8 JSON mapping each
 * tensor name to {dtype, shape, data_offsets}, plus an optional "__metadata__" str->str map.
 * Parsing here checks types only; byte ranges are checked in ranges.ts.
 */
import type { DType } from "../../tensor.js";
import { dtypeFromSafetensors, SUPPORTED_SAFETENSORS_DTYPES } from "./dtypes.js";
import { InvalidHeaderError, TruncatedFileError, UnknownDTypeError } from "../errors.js";

/** Headers above this are refused as corrupt (real ones are well under 1 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface HeaderEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Offsets relative to the first data byte. */
  readonly begin: number;
  readonly end: number;
}

export interface ParsedHeader {
  readonly entries: readonly HeaderEntry[];
  readonly metadata: Record<string, string>;
}

/** What a file starting with these bytes probably is, for error messages. */
function guessFormat(prefix: Uint8Array): string {
  const ascii = String.fromCharCode(...prefix.subarray(0, 4));
  if (ascii === "GGUF") return " (it starts with 'GGUF': it is a GGUF file, not safetensors)";
  if (ascii.startsWith("PK")) return " (it is a zip archive, probably a PyTorch .ckpt/.pt/.bin checkpoint, not safetensors)";
  return ": is it a safetensors file?";
}

/** N from the first 8 bytes, checked against the file size. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) {
    throw new TruncatedFileError(file, `it has ${fileSize} bytes, fewer than the 8-byte header length`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new InvalidHeaderError(file, `header length ${n} bytes is absurd (limit ${MAX_HEADER_BYTES})${guessFormat(prefix)}`);
  }
  const length = Number(n);
  if (8 + length > fileSize) {
    throw new TruncatedFileError(
      file,
      `header says it is ${length} bytes long, but the file has only ${fileSize - 8} bytes after the length`,
    );
  }
  return length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (!isRecord(value)) throw new InvalidHeaderError(file, `"__metadata__" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new InvalidHeaderError(file, `"__metadata__" value of "${key}" is ${JSON.stringify(v)}, not a string`);
    out[key] = v;
  }
  return out;
}

function parseEntry(name: string, value: unknown, file: string): HeaderEntry {
  const bad = (problem: string): InvalidHeaderError => new InvalidHeaderError(file, `tensor ${name}: ${problem}`);
  if (!isRecord(value)) throw bad("entry must be an object with dtype, shape and data_offsets");
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string") throw bad(`"dtype" must be a string, got ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw bad(`"shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw bad(`"data_offsets" must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const projectDType = dtypeFromSafetensors(dtype);
  if (projectDType === undefined) throw new UnknownDTypeError(file, name, dtype, SUPPORTED_SAFETENSORS_DTYPES);
  return { name, dtype: projectDType, dims: shape, begin: offsets[0], end: offsets[1] };
}

/** Decodes and type-checks the JSON header bytes. */
export function parseHeader(bytes: Uint8Array, file: string): ParsedHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new InvalidHeaderError(
      file,
      `it is not valid UTF-8 JSON (${cause instanceof Error ? cause.message : String(cause)}): is it a safetensors file?`,
      { cause },
    );
  }
  if (!isRecord(json)) throw new InvalidHeaderError(file, "the JSON header must be an object mapping tensor names to entries");
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") metadata = parseMetadata(value, file);
    else entries.push(parseEntry(name, value, file));
  }
  return { entries, metadata };
}
