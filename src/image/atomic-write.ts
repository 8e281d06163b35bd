/**
 * Writes a file so that the path holds either its old content or the complete new one: the bytes
 * go to a temporary file in the same directory (same file system, so rename is atomic), are
 * fsynced, then renamed over the path. On any failure the temporary file is removed. A replaced
 * file gets a new inode, so its old permissions are not kept.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ImageWriteError } from "./errors.js";
import { errorCode, fsReason } from "./fs-reason.js";

/** The temporary file name writeFileAtomic uses: .<name>.<pid>.<12 hex>.tmp */
const TEMP_FILE = /^\.[^/]+\.\d+\.[0-9a-f]{12}\.tmp$/;

/** Whether `name` is a temporary file of writeFileAtomic (left behind if its process died mid-write). */
export function isAtomicWriteTemp(name: string): boolean {
  return TEMP_FILE.test(name);
}

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(resolve(path));
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, "wx");
  } catch (error) {
    throw writeError(path, dir, error);
  }
  try {
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw writeError(path, dir, error);
  }
  await syncDirectory(dir);
}

/** Makes a rename in `dir` durable. Best effort: some file systems refuse fsync on a directory. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // the file is written and renamed; only durability across a power loss is not guaranteed
  }
}

function writeError(path: string, dir: string, error: unknown): ImageWriteError {
  const reason = ((): string => {
    switch (errorCode(error)) {
      case "ENOENT":
        return `the directory ${dir} does not exist`;
      case "ENOTDIR":
        return `a parent of ${dir} is not a directory`;
      case "EACCES":
      case "EPERM":
        return `permission denied in ${dir}`;
      case "EISDIR":
        return `${path} is a directory`;
      default:
        return fsReason(error);
    }
  })();
  return new ImageWriteError(path, `cannot write ${path}: ${reason}`, { cause: error });
}
