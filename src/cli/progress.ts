/** Progress on standard error: a redrawn bar with ETA on a terminal, plain lines otherwise. */
import type { CommandIO } from "./io.js";
import { formatBytes } from "../runtime/memory-size.js";

export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export class Progress {
  private barShown = false;
  private stepStart = 0;
  private stepFrom = 0;
  private lastDownloadLine = 0;

  constructor(
    private readonly io: CommandIO,
    private readonly quiet: boolean,
  ) {}

  private clearBar(): void {
    if (this.barShown) {
      this.io.errRaw("\r\x1b[K");
      this.barShown = false;
    }
  }

  /** A message on its own line (warnings, stages). Shown even when quiet if `always`. */
  note(text: string, always = false): void {
    if (this.quiet && !always) return;
    this.clearBar();
    this.io.err(text);
  }

  stage(name: string): void {
    this.note(name);
  }

  /** Call when denoising starts (after `from` steps done before, e.g. a winner's early steps), then `step` after each step. */
  startSteps(from = 0): void {
    this.stepStart = performance.now();
    this.stepFrom = from;
  }

  step(step: number, steps: number): void {
    if (this.quiet) return;
    const elapsed = performance.now() - this.stepStart;
    const per = elapsed / Math.max(1, step - this.stepFrom);
    const eta = per * (steps - step);
    this.bar(step, steps, `step ${step}/${steps}  ${seconds(per)}/step  ETA ${seconds(eta)}`);
  }

  /** A bar `done` of `total` full with `text` after it (a plain line when not on a terminal). */
  bar(done: number, total: number, text: string): void {
    if (this.quiet) return;
    if (!this.io.tty) {
      this.io.err(text);
      return;
    }
    const width = Math.max(10, Math.min(40, this.io.columns - text.length - 4));
    const filled = Math.round((width * Math.min(done, total)) / total);
    this.io.errRaw(`\r\x1b[K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}`);
    this.barShown = true;
    if (done === total) this.clearBar();
  }

  download(file: string, done: number, total: number | null): void {
    if (this.quiet) return;
    const now = performance.now();
    const finished = total !== null && done >= total;
    if (!this.io.tty && !finished && now - this.lastDownloadLine < 2000) return;
    this.lastDownloadLine = now;
    const text = `downloading ${file}: ${formatBytes(done)}${total ? ` of ${formatBytes(total)} (${Math.floor((100 * done) / total)}%)` : ""}`;
    if (this.io.tty) {
      this.io.errRaw(`\r\x1b[K${text}`);
      this.barShown = true;
      if (finished) this.clearBar();
    } else this.io.err(text);
  }

  finish(): void {
    this.clearBar();
  }
}
