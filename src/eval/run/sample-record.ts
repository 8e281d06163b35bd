/** What `icedit eval` keeps of one sample: its scores (or why it was skipped) and how long its edit took. */
import type { EditScores } from "../metrics/score-edit.js";
import type { VlmScore } from "../vlm/vlm-score.js";

/** The demo world's pixel rule on one edit (src/demo/eval/score.ts). */
export interface PixelRuleRecord {
  readonly passed: boolean;
  readonly inside: number;
  readonly outside: number;
  readonly reason: string;
}

export interface SampleRecord {
  readonly id: string;
  readonly task: string | null;
  readonly instruction: string;
  /** MagicBrush: the session, the turn and whether it is the session's last. */
  readonly turn?: { readonly session: string; readonly index: number; readonly final: boolean };
  /** Null when the sample was skipped. */
  readonly scores: EditScores | null;
  readonly pixelRule?: PixelRuleRecord;
  /** The VLM's score (--vlm-judge); null when its answers could not be read (then `vlmAnswers` holds them). */
  readonly vlm?: VlmScore | null;
  readonly vlmAnswers?: readonly string[];
  /** Why the sample was skipped (bad row), else absent. */
  readonly skipped?: string;
  /** Wall time of the edit (null for --predictions). */
  readonly editMs: number | null;
  /** Whether the edit's input was the previous turn's edit (MagicBrush's multi-turn chain). */
  readonly chained?: boolean;
}

/** The metrics `icedit eval` reports, as the record's keys. */
export type MetricKey = keyof EditScores | "pixelRule" | "vlm";
