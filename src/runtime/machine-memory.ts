/**
 * The memory this process may use: the machine's, or less when its control group limits it
 * (cgroup v2 memory.max, or v1 memory.limit_in_bytes, as in a container).
 */
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";

function readLimit(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
  const bytes = Number(text);
  return text !== "max" && Number.isFinite(bytes) && bytes > 0 ? bytes : null;
}

/** The cgroup v2 path of this process ("0::/a/b" in /proc/self/cgroup), or null. */
function ownCgroup(): string | null {
  try {
    const line = readFileSync("/proc/self/cgroup", "utf8")
      .split("\n")
      .find((l) => l.startsWith("0::"));
    return line ? line.slice(3).trim() : null;
  } catch {
    return null;
  }
}

function cgroupLimits(): number[] {
  const own = ownCgroup();
  const paths = [
    ...(own && own !== "/" ? [`/sys/fs/cgroup${own}/memory.max`] : []),
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
  ];
  return paths.map(readLimit).filter((n): n is number => n !== null);
}

export function machineMemoryBytes(): number {
  return Math.min(totalmem(), ...cgroupLimits());
}
