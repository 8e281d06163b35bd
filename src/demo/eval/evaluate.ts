/**
 * Runs edits (held-out seeds, or a scenes folder's triplets) through an edit function and scores
 * each by the pixel rule (score.ts) with the example's own masks: the heart of `icedit eval-demo`.
 * The edit function is injected, so the scoring path can be checked without a model (an edit that
 * returns the target must score 100%).
 */
import type { RgbImage } from "../../image/index.js";
import type { EditKind } from "../scenes/edits.js";
import { accuracyTable, type AccuracyTable } from "./accuracy.js";
import type { EvalExample } from "./eval-example.js";
import { scoreEdit, type EditScore } from "./score.js";

export interface DemoEditRequest {
  /** [size, size, 3] u8: the scene before the edit. */
  readonly source: RgbImage;
  readonly instruction: string;
  /** The example's place in the run (0, 1, ...). */
  readonly index: number;
}

/** Edits one scene: [size, size, 3] u8 -> [h, w, 3] u8 (resized to the source's size for scoring). */
export type DemoEditFunction = (request: DemoEditRequest) => Promise<RgbImage>;

export interface EvaluatedEdit {
  readonly index: number;
  /** The held-out seed, or null for a folder's triplet. */
  readonly seed: number | null;
  /** The source image's file in the scenes folder, or null for a held-out seed. */
  readonly file: string | null;
  readonly kind: EditKind;
  readonly instruction: string;
  readonly score: EditScore;
  /** Wall time of the edit alone (not the scoring). */
  readonly ms: number;
}

export interface EvaluationRun {
  readonly edits: readonly EvaluatedEdit[];
  readonly table: AccuracyTable;
  /** Wall time of all edits and their scoring. */
  readonly totalMs: number;
  /** Mean wall time of one edit. */
  readonly meanEditMs: number;
}

export interface EvaluateOptions {
  /** After each edit is scored, with the edited image (e.g. to write it). */
  readonly onEdit?: (edit: EvaluatedEdit, edited: RgbImage, done: number, total: number) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/** examples: [N] -> N edits, each scored; the accuracy per kind and overall. */
export async function evaluateEdits(
  examples: readonly EvalExample[],
  edit: DemoEditFunction,
  options: EvaluateOptions = {},
): Promise<EvaluationRun> {
  const started = performance.now();
  const edits: EvaluatedEdit[] = [];
  let editMs = 0;
  for (const { index, seed, file, example } of examples) {
    options.signal?.throwIfAborted();
    const editStarted = performance.now();
    const edited = await edit({ source: example.source, instruction: example.instruction, index });
    const ms = performance.now() - editStarted;
    editMs += ms;
    const score = await scoreEdit({ ...example, edited });
    const evaluated: EvaluatedEdit = { index, seed, file, kind: example.kind, instruction: example.instruction, score, ms };
    edits.push(evaluated);
    await options.onEdit?.(evaluated, edited, edits.length, examples.length);
  }
  return {
    edits,
    table: accuracyTable(edits.map((e) => ({ kind: e.kind, passed: e.score.passed }))),
    totalMs: performance.now() - started,
    meanEditMs: edits.length === 0 ? 0 : editMs / edits.length,
  };
}
