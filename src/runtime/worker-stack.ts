/**
 * The stack the engine's worker thread needs. ONNX Runtime reads the whole process command line
 * (/proc/self/cmdline) while it creates a session and walks it recursively, about 3 frames per
 * byte: a 15,000-byte argument overflows a worker's default 4 MiB stack and kills the process
 * with SIGSEGV. Measured with onnxruntime-node 1.30: a 131,000-byte command line needs 48 MiB
 * (32 MiB is not enough), so the rule below reserves 512 bytes per byte plus the default 4 MiB.
 * The stack is reserved address space; only the pages the recursion touches cost memory.
 */
import { readFileSync } from "node:fs";

const DEFAULT_STACK_MB = 4;
const STACK_BYTES_PER_COMMAND_LINE_BYTE = 512;
const MIB = 1024 * 1024;

/** The command line's length in bytes as ONNX Runtime sees it (argv joined by NULs). */
export function commandLineBytes(): number {
  try {
    return readFileSync("/proc/self/cmdline").length;
  } catch {
    return process.argv.reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
  }
}

/** Stack size in MiB for a worker thread that creates ONNX Runtime sessions. */
export function workerStackMb(commandLine: number = commandLineBytes()): number {
  return DEFAULT_STACK_MB + Math.ceil((commandLine * STACK_BYTES_PER_COMMAND_LINE_BYTE) / MIB);
}
