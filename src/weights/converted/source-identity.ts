/** The files a weight source reads (following layout views to the stored tensors), stamped with size and mtime. */
import { realpath, stat } from "node:fs/promises";
import type { TensorEntry, TensorSource } from "../source.js";
import type { SourceFileStamp } from "./manifest.js";

function collect(entry: TensorEntry, into: Set<string>): void {
  if (entry.fileOffset >= 0 && entry.file) into.add(entry.file);
  for (const d of entry.derivedFrom ?? []) collect(d, into);
}

/** null when some tensor does not come from a file (an in-memory source cannot be cached). */
export async function sourceStamps(source: TensorSource, names: readonly string[]): Promise<SourceFileStamp[] | null> {
  const files = new Set<string>();
  for (const name of names) {
    const entry = source.entry(name);
    if (entry.fileOffset < 0 && (entry.derivedFrom ?? []).length === 0) return null;
    collect(entry, files);
  }
  const stamps: SourceFileStamp[] = [];
  for (const file of [...files].sort()) {
    try {
      const path = await realpath(file);
      const info = await stat(path);
      stamps.push({ path, size: info.size, mtimeMs: info.mtimeMs });
    } catch {
      return null;
    }
  }
  return stamps;
}
