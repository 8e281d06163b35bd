/**
 * A benchmark as `icedit eval` reads it: samples (an id, an instruction, a source image and, where
 * the benchmark has them, a ground-truth target, captions and a task type), the rows skipped as bad
 * (with their ids and why) and the rows dropped by the benchmark's own protocol. Images are read
 * on demand; a row whose image turns out unreadable is a skip found during the run.
 */
import { IceditError } from "../../errors.js";
import type { RgbImage } from "../../image/rgb.js";
import type { EditExample } from "../../demo/scenes/edit-example.js";

export const BENCH_KINDS = ["magicbrush", "emu-edit", "folder", "demo"] as const;
export type BenchKind = (typeof BENCH_KINDS)[number];

/** MagicBrush's multi-turn place of a sample: the session (img_id) and the turn (1, 2, ...). */
export interface BenchTurn {
  readonly session: string;
  readonly index: number;
  /** Whether this is the session's last turn (final-turn scores). */
  readonly final: boolean;
  /** The id of the session's previous turn (whose edited image is this turn's input), or null for the first. */
  readonly previous: string | null;
}

export interface BenchSample {
  /** Unique within the benchmark; names the files of its edit and scores (and a --predictions image). */
  readonly id: string;
  readonly instruction: string;
  /** The task type (Emu Edit's task, the demo's edit kind, a folder's "task"), or null. */
  readonly task: string | null;
  readonly inputCaption?: string;
  readonly outputCaption?: string;
  readonly turn?: BenchTurn;
  /** [H, W, 3] u8; throws BadSampleError when the row has no readable image. */
  source(): Promise<RgbImage>;
  /** The ground truth, when the benchmark has one. */
  target?(): Promise<RgbImage>;
  /** The demo world's example (masks for its pixel rule). */
  readonly demo?: EditExample;
}

/** A row left out, and why (a bad row, or one the benchmark's protocol drops). */
export interface BenchSkip {
  readonly id: string;
  readonly reason: string;
}

export interface Bench {
  readonly kind: BenchKind;
  /** What was read, for the report ("osunlp/MagicBrush test: 2 files"). */
  readonly description: string;
  readonly samples: readonly BenchSample[];
  /** Bad rows: no image bytes, an empty instruction, ... */
  readonly skipped: readonly BenchSkip[];
  /** Rows the benchmark's protocol leaves out (Emu Edit: input caption equal to output caption). */
  readonly dropped: readonly BenchSkip[];
  /** Whether CLIP-I and DINO compare with the source (Emu Edit, which has no target) instead of the target. */
  readonly measureAgainstSource: boolean;
}

/** A sample that cannot be evaluated (no image bytes, an undecodable image): counted and skipped. */
export class BadSampleError extends IceditError {}

/** A benchmark cannot be read as given (no such file, unknown columns): the message says what to give. */
export class BenchDataError extends IceditError {}
