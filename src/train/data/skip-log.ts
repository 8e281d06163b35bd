/**
 * Counted skips of unusable examples, with the first few of each reason kept for the message, so
 * bad data is reported once, at the end of a scan or when training starts, never a crash hours in.
 */
export const SKIP_REASONS = ["missing-file", "unreadable-image", "empty-instruction", "size-mismatch"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedExample {
  readonly origin: string;
  readonly reason: SkipReason;
  /** What exactly was wrong ("no such file a.png", the decoder's message, "512x512 vs 640x480"). */
  readonly detail: string;
}

export interface SkipReport {
  /** Examples skipped so far, each counted once. */
  readonly total: number;
  readonly byReason: Readonly<Record<SkipReason, number>>;
  /** The first few skips of each reason, in the order they were found. */
  readonly examples: readonly SkippedExample[];
}

/** How many skips of each reason are kept with their details. */
export const SKIP_EXAMPLES_PER_REASON = 5;

export class SkipLog implements SkipReport {
  private readonly counts: Record<SkipReason, number> = {
    "missing-file": 0,
    "unreadable-image": 0,
    "empty-instruction": 0,
    "size-mismatch": 0,
  };
  private readonly kept: SkippedExample[] = [];
  private readonly seen = new Set<string>();

  /** Counts `skip` once per key (the example's index in its data set), however often it is met. */
  add(key: string, skip: SkippedExample): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.counts[skip.reason] += 1;
    if (this.counts[skip.reason] <= SKIP_EXAMPLES_PER_REASON) this.kept.push(skip);
  }

  get total(): number {
    return this.seen.size;
  }

  get byReason(): Readonly<Record<SkipReason, number>> {
    return { ...this.counts };
  }

  get examples(): readonly SkippedExample[] {
    return [...this.kept];
  }
}

/** One line per reason with skips, then the kept examples: what a CLI prints. */
export function describeSkips(report: SkipReport): string[] {
  if (report.total === 0) return [];
  const lines = [`${report.total} example(s) skipped:`];
  for (const reason of SKIP_REASONS) {
    const n = report.byReason[reason];
    if (n > 0) lines.push(`  ${reason}: ${n}`);
  }
  for (const e of report.examples) lines.push(`  ${e.origin}: ${e.reason}: ${e.detail}`);
  return lines;
}
