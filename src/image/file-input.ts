/**
 * Reads an image file's bytes, turning every file-system problem into a typed error that names
 * the file. The file is opened once and checked through its descriptor (no stat-then-open race);
 * O_NONBLOCK keeps a FIFO from blocking the open, and fstat then refuses anything that is not a
 * regular file.
 */
import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { EmptyImageError, ImageNotFoundError, ImageUnreadableError } from "./errors.js";
import { errorCode, fsReason } from "./fs-reason.js";
import { checkFileBytes, type ResolvedLimits } from "./limits.js";

export async function readImageFile(path: string, limits: ResolvedLimits): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    let stats: Stats;
    try {
      stats = await handle.stat();
    } catch (error) {
      throw fileError(path, error);
    }
    if (stats.isDirectory()) throw new ImageUnreadableError(path, `cannot read image ${path}: it is a directory, not a file`);
    if (!stats.isFile()) throw new ImageUnreadableError(path, `cannot read image ${path}: it is not a regular file`);
    if (stats.size === 0) throw new EmptyImageError(path);
    checkFileBytes(path, stats.size, limits);
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } catch (error) {
      throw fileError(path, error);
    }
    if (bytes.length === 0) throw new EmptyImageError(path);
    checkFileBytes(path, bytes.length, limits); // the file may have grown since fstat
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function fileError(path: string, error: unknown): Error {
  const code = errorCode(error);
  switch (code) {
    case "ENOENT":
      return new ImageNotFoundError(path, `cannot read image ${path}: no such file`, { cause: error });
    case "ENOTDIR":
      return new ImageNotFoundError(path, `cannot read image ${path}: no such file (a parent is not a directory)`, {
        cause: error,
      });
    case "EISDIR":
      return new ImageUnreadableError(path, `cannot read image ${path}: it is a directory, not a file`, { cause: error });
    default:
      return new ImageUnreadableError(path, `cannot read image ${path}: ${fsReason(error)}`, { cause: error });
  }
}
