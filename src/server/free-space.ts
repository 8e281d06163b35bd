/**
 * The data dir's free space, for /healthz: a server whose disk is nearly full says it is unhealthy
 * before its writes start to fail (they then answer 507).
 */
import { statfs } from "node:fs/promises";
import { formatBytes } from "../runtime/memory-size.js";

/** Bytes an unprivileged process may still write on the file system holding `path`. */
export type FreeBytes = (path: string) => Promise<number>;

export const statfsFreeBytes: FreeBytes = async (path) => {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
};

export interface StorageHealth {
  /** null: statfs failed. */
  readonly free_bytes: number | null;
  readonly min_free_bytes: number;
  /** What is wrong, for people (undefined: nothing). */
  readonly problem?: string;
}

export async function storageHealth(path: string, minFreeBytes: number, freeBytes: FreeBytes): Promise<StorageHealth> {
  let free: number;
  try {
    free = await freeBytes(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { free_bytes: null, min_free_bytes: minFreeBytes, problem: `cannot read the free space of the data dir ${path}: ${reason}` };
  }
  if (free >= minFreeBytes) return { free_bytes: free, min_free_bytes: minFreeBytes };
  const problem =
    `the data dir ${path} has ${formatBytes(free)} free, less than the ${formatBytes(minFreeBytes)} this server needs ` +
    "(--min-free): free some space there";
  return { free_bytes: free, min_free_bytes: minFreeBytes, problem };
}
