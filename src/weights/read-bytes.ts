/** Positional reads that fill the whole buffer (a single read may return fewer bytes). */
import type { FileHandle } from "node:fs/promises";
import { TruncatedFileError } from "./errors.js";

/** The largest single read; Node refuses reads above 2 GiB. */
const CHUNK = 1 << 30;

/** Fills `into` with the bytes of `file` starting at `position`. */
export async function readFully(handle: FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const length = Math.min(CHUNK, into.length - done);
    const { bytesRead } = await handle.read(into, done, length, position + done);
    if (bytesRead === 0) {
      throw new TruncatedFileError(
        file,
        `needed ${into.length} bytes at offset ${position}, the file ended after ${done}; did it change while open?`,
      );
    }
    done += bytesRead;
  }
}
