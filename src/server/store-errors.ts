/**
 * What can go wrong with the job database, as one line that says what is wrong and what to do.
 * SQLite's own errors (better-sqlite3's SqliteError, with codes like SQLITE_NOTADB) are mapped here,
 * so that `icedit serve` never prints a stack trace for a damaged, foreign or unwritable jobs.db,
 * nor for an install that did not build better-sqlite3's native module.
 */
import { IceditError } from "../errors.js";
import { errorCode } from "../image/fs-reason.js";

export class JobStoreError extends IceditError {}

const MOVE_AWAY = "move it away to start with an empty job list (finished results in the data dir are kept and re-listed)";

/** Maps an error thrown while opening or using `path` (undefined: not a storage error we know). */
export function jobStoreError(path: string, error: unknown): JobStoreError | undefined {
  if (error instanceof JobStoreError) return error;
  const native = nativeModuleReason(error);
  if (native !== undefined) return new JobStoreError(native, { cause: error });
  const code = errorCode(error) ?? "";
  const base = code.replace(/^(SQLITE_[A-Z]+)_.*$/, "$1");
  const reason = ((): string | undefined => {
    switch (base) {
      case "SQLITE_NOTADB":
        return `${path} is not an SQLite database (is it the right file?): restore it from a backup, or ${MOVE_AWAY}`;
      case "SQLITE_CORRUPT":
        return `${path} is damaged (${messageOf(error)}): restore it from a backup, or ${MOVE_AWAY}`;
      case "SQLITE_CANTOPEN":
        return (
          `cannot open ${path} (is it a directory, or is its folder missing or unreadable?): ` +
          "make it a file icedit may read and write, or choose another --data-dir"
        );
      case "SQLITE_FULL":
        return `the disk holding ${path} is full: free some space (or move the data dir to a bigger disk) and start again`;
      case "SQLITE_READONLY":
      case "SQLITE_PERM":
      case "SQLITE_AUTH":
        return `cannot write ${path} (read-only file, folder or file system): give this user write access to the data dir, or choose another --data-dir`;
      case "SQLITE_BUSY":
      case "SQLITE_LOCKED":
        return `${path} is locked by another process: stop the other icedit server (or program) using it, or choose another --data-dir`;
      case "SQLITE_IOERR":
        return `reading or writing ${path} failed (${messageOf(error)}): check the disk and its free space, then start again`;
      default:
        return undefined;
    }
  })();
  return reason === undefined ? undefined : new JobStoreError(reason, { cause: error });
}

/** Runs `body`, turning a known storage error into a JobStoreError. */
export function withStoreErrors<T>(path: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw jobStoreError(path, error) ?? error;
  }
}

const REBUILD =
  "run `npm rebuild better-sqlite3` in icedit's folder once (it compiles SQLite when no prebuilt binary can be downloaded: about 2.5 minutes on 2 busy cores)";

/**
 * better-sqlite3's compiled module cannot be loaded: never built (`npm ci --ignore-scripts`, the
 * README's quick start, skips its compile; `bindings` then says it found no file) or built for
 * another Node.js (ERR_DLOPEN_FAILED).
 */
function nativeModuleReason(error: unknown): string | undefined {
  const message = messageOf(error);
  if (message.startsWith("Could not locate the bindings file")) {
    return `the job records need SQLite's native module (better-sqlite3), which is not built (an install with --ignore-scripts skips it): ${REBUILD}`;
  }
  if (errorCode(error) === "ERR_DLOPEN_FAILED") {
    const first = message.split("\n")[0] ?? message;
    return `SQLite's native module (better-sqlite3) cannot be loaded (${first}): ${REBUILD}`;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
