/**
 * Peak resident memory and time per stage of an edit, from the pipeline's progress reports.
 * A report with step 0 starts its stage (the time before it belongs to the stage before); any
 * other report ends an interval of its own stage (a stage that starts at another step, "continue"
 * at step m, takes the time since the report before it; so does one reported only when done).
 */
import type { PeakMeter } from "../runtime/peak-rss.js";

export interface StageMemory {
  readonly stage: string;
  /** The process's peak resident memory during the stage, in bytes. */
  readonly peakRssBytes: number;
  readonly ms: number;
}

export class StageMemoryRecorder {
  private readonly stages = new Map<string, { peak: number; ms: number }>();
  private current: string | null = null;
  private last = performance.now();
  private finished: StageMemory[] | null = null;

  constructor(private readonly meter: PeakMeter) {}

  report(stage: string, step: number): void {
    if (this.finished) return;
    this.close(step === 0 && this.current !== null ? this.current : stage);
    this.current = stage;
  }

  /** Ends the last stage and stops the meter; the stages in the order they began. */
  finish(): StageMemory[] {
    if (!this.finished) {
      if (this.current !== null) this.close(this.current);
      this.meter.stop();
      this.finished = [...this.stages].map(([stage, s]) => ({ stage, peakRssBytes: s.peak, ms: s.ms }));
    }
    return this.finished;
  }

  private close(stage: string): void {
    const now = performance.now();
    const seen = this.stages.get(stage) ?? { peak: 0, ms: 0 };
    this.stages.set(stage, { peak: Math.max(seen.peak, this.meter.take()), ms: seen.ms + (now - this.last) });
    this.last = now;
  }
}
