/**
 * The manifest of a converted-weights entry: what it was made from (so a changed source is
 * noticed), how (precision, block size), and where each tensor lies in its one data file, with
 * the data file's size and SHA-256 (so a truncated or altered file is never used silently).
 */
import { isDType, type DType } from "../../tensor.js";

export const CONVERTED_FORMAT = "icedit-converted/1";
export const MANIFEST_FILE = "manifest.json";
export const DATA_FILE = "weights.bin";

export type ConvertedPrecision = "f32" | "int8" | "int4";

/** A source file as it was when the entry was built. */
export interface SourceFileStamp {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface StoredTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly offset: number;
  readonly length: number;
}

/** A linear weight stored in MatMulNBits form: `<path>.q<bits>`, `<path>.scales`, maybe `<path>.zero_points`. */
export interface StoredPacking {
  readonly bits: 4 | 8;
  readonly blockSize: number;
  readonly N: number;
  readonly K: number;
  readonly zeroPoints: boolean;
}

export interface ConvertedManifest {
  readonly format: typeof CONVERTED_FORMAT;
  /** Identifies the conversion (source files, model shape, precision): the entry's directory name ends with it. */
  readonly key: string;
  readonly component: string;
  readonly precision: ConvertedPrecision;
  readonly blockSize: number;
  readonly device: string;
  readonly createdAt: string;
  readonly sources: readonly SourceFileStamp[];
  readonly tensors: Readonly<Record<string, StoredTensor>>;
  readonly packings: Readonly<Record<string, StoredPacking>>;
  readonly data: { readonly size: number; readonly sha256: string };
  /** The data file's stat when its hash was last checked; a different stat makes the next open re-hash it. */
  readonly verified: { readonly size: number; readonly mtimeMs: number };
  readonly buildMs: number;
}

export class ManifestFormatError extends Error {}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function need(cond: boolean, what: string): void {
  if (!cond) throw new ManifestFormatError(what);
}

const isCount = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;

/** Parses and checks a manifest; throws ManifestFormatError saying what is wrong. */
export function parseManifest(text: string): ConvertedManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestFormatError("not JSON");
  }
  need(isRecord(json), "not an object");
  const m = json as Record<string, unknown>;
  need(m["format"] === CONVERTED_FORMAT, `format is ${String(m["format"])}, expected ${CONVERTED_FORMAT}`);
  need(typeof m["key"] === "string" && typeof m["component"] === "string", "key or component missing");
  need(m["precision"] === "f32" || m["precision"] === "int8" || m["precision"] === "int4", "bad precision");
  const data = m["data"];
  need(isRecord(data) && isCount(data["size"]) && typeof data["sha256"] === "string", "data size or hash missing");
  const verified = m["verified"];
  need(isRecord(verified) && isCount(verified["size"]) && typeof verified["mtimeMs"] === "number", "verified stamp missing");
  need(Array.isArray(m["sources"]), "sources missing");
  const tensors = m["tensors"];
  need(isRecord(tensors), "tensor table missing");
  const size = (data as { size: number }).size;
  for (const [name, t] of Object.entries(tensors as Record<string, unknown>)) {
    need(isRecord(t), `tensor ${name} is not an object`);
    const e = t as Record<string, unknown>;
    need(typeof e["dtype"] === "string" && isDType(e["dtype"]), `tensor ${name}: bad dtype`);
    need(Array.isArray(e["dims"]) && (e["dims"] as unknown[]).every(isCount), `tensor ${name}: bad dims`);
    need(
      isCount(e["offset"]) && isCount(e["length"]) && (e["offset"] as number) + (e["length"] as number) <= size,
      `tensor ${name}: range outside the data file`,
    );
  }
  need(isRecord(m["packings"]), "packing table missing");
  return json as ConvertedManifest;
}
