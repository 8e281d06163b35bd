/** Test helpers: temp folders and hand-made safetensors files (built byte by byte, not by the writer). */
import { mkdtempSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { goldenFile } from "../golden-paths.js";

/** The golden weights folder (see golden-paths.ts: may be missing on a fresh clone). */
export const GOLDEN = goldenFile("weights");

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-weights-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A temp folder for the tests of the calling file or suite, removed after the last of them. */
export function tempDirForTests(prefix = "icedit-weights-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** u64 LE length + header text (padded with `pad` spaces) + data bytes. */
export function craftBytes(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), pad = 0): Uint8Array {
  const json = typeof header === "string" ? new TextEncoder().encode(header + " ".repeat(pad)) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

export async function craftFile(path: string, header: string | Uint8Array | object, data?: Uint8Array, pad = 0): Promise<string> {
  const text = typeof header === "string" || header instanceof Uint8Array ? header : JSON.stringify(header);
  await writeFile(path, craftBytes(text, data, pad));
  return path;
}

/** Little-endian bytes built with a DataView, independent of typed-array byte order. */
export function leBytes(length: number, fill: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(length);
  fill(new DataView(out.buffer));
  return out;
}

export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
