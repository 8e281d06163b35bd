/** Small helpers shared by the benchmarks. */
import { cpus, totalmem } from "node:os";

export { median } from "../src/numeric/median.js";

/** Peak resident memory of this process (main thread and the ONNX Runtime worker), MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** The value of `run` and how long it took, ms. */
export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

/** The machine a benchmark ran on, as its result records it. */
export function machineBasics(): { cpus: number; cpu: string; memory_gib: number; node: string } {
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}
