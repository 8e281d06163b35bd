/** What a noise selection reports: the tournament record and the progress events. */
import type { JudgeIdentity } from "../../vlm/judge.js";

export interface TournamentComparison {
  /** The seed sent as image 1 (the incumbent) and as image 2 (the challenger). */
  readonly a: number;
  readonly b: number;
  /** 1: a stays; 2: b takes over; null: a tie (no single answer, or a judge error under the fallback), a stays. */
  readonly choice: 1 | 2 | null;
  readonly raw: string;
  readonly ms: number;
  /** Whether the stricter reminder was needed. */
  readonly retried: boolean;
}

/** The judge used: an HTTP judge, the caller's own, or none (the first seed won by default). */
export type JudgeRecord = JudgeIdentity | "custom" | "fallback: first-seed";

export interface TournamentRecord {
  /** The candidates' seeds, in order (after a failed probe under the fallback, only the first was run). */
  readonly candidates: readonly number[];
  readonly comparisons: readonly TournamentComparison[];
  readonly winner: number;
  /** Transformer evaluations actually run (one per sample per step): M * m + (n - m). */
  readonly nfe: number;
  /** Transformer session runs (a batch of candidates is one run). */
  readonly runs: number;
  readonly earlySteps: number;
  readonly steps: number;
  /** Candidates per transformer run in the early steps. */
  readonly batch: number;
  readonly judge: JudgeRecord;
  /** Why the fallback was used (the judge's error), when it was. */
  readonly fallbackReason?: string;
  readonly timings: {
    readonly probeMs: number;
    readonly prepareMs: number;
    readonly earlyMs: number;
    /** One per batched early step (per chunk of candidates). */
    readonly earlyStepMs: readonly number[];
    readonly previewMs: number;
    readonly tournamentMs: number;
    readonly continueMs: number;
    readonly continueStepMs: readonly number[];
    readonly decodeMs: number;
    readonly totalMs: number;
  };
}

export type SelectionStage = "probe" | "prepare" | "early" | "preview" | "compare" | "winner" | "continue" | "decode";

export interface SelectionProgress {
  readonly stage: SelectionStage;
  /**
   * Each stage first reports its start, step 0 (continue: step m), then its units as they are done.
   * early: batched step runs done of all; preview: previews done of M; compare: comparisons done of
   * M - 1; continue: the step (m + 1 .. n) of n.
   */
  readonly step: number;
  readonly steps: number;
  /** continue: m, where its count starts (its first report has step m); absent: 0. */
  readonly from?: number;
  readonly ms: number;
  /** compare: the comparison just made. */
  readonly comparison?: TournamentComparison;
  /** winner: the winning seed. */
  readonly winner?: number;
}
