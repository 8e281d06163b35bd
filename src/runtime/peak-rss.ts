/**
 * The peak resident memory of this process over an interval. On Linux the kernel's high-water mark
 * (VmHWM in /proc/self/status) is read at the interval's end and reset by writing 5 to
 * /proc/self/clear_refs; where that is not allowed, the resident size is sampled every 100 ms.
 * The reset also lowers what getrusage reports as the process's peak, so processPeakRssBytes()
 * keeps the true one. Peaks are the whole process's (the ONNX Runtime worker thread included).
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface PeakMeter {
  readonly method: "high-water" | "sampling";
  /** The peak resident bytes since the meter started or since the last take(); a new interval starts. */
  take(): number;
  stop(): void;
}

const SAMPLE_MS = 100;

/** The highest peak seen across resets: the kernel's counter is per process, and so is this. */
let processPeak = 0;

function statusBytes(field: "VmHWM" | "VmRSS"): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Folds everything the kernel knows of the peak so far into processPeak (before a reset loses it). */
function notePeak(peak = 0): void {
  processPeak = Math.max(processPeak, peak, statusBytes("VmHWM") ?? 0, process.resourceUsage().maxRSS * 1024);
}

function resetHighWater(): boolean {
  notePeak();
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return statusBytes("VmHWM") !== null;
  } catch {
    return false;
  }
}

/** The process's peak resident memory since it started, in bytes (resets by the meters included). */
export function processPeakRssBytes(): number {
  notePeak();
  return processPeak;
}

class HighWaterMeter implements PeakMeter {
  readonly method = "high-water";

  take(): number {
    const peak = statusBytes("VmHWM") ?? process.memoryUsage.rss();
    resetHighWater();
    return peak;
  }

  stop(): void {}
}

class SamplingMeter implements PeakMeter {
  readonly method = "sampling";
  private peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), SAMPLE_MS).unref();

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  take(): number {
    this.sample();
    const peak = this.peak;
    notePeak(peak);
    this.peak = process.memoryUsage.rss();
    return peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Starts a meter: the kernel's high-water mark where it can be reset, else sampling (or as asked). */
export function startPeakMeter(method?: PeakMeter["method"]): PeakMeter {
  if (method === "sampling") return new SamplingMeter();
  return resetHighWater() ? new HighWaterMeter() : new SamplingMeter();
}
