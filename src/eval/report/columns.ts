/**
 * The columns of `icedit eval`'s tables, per benchmark, as the ICEdit paper's tables have them
 * (Emu Edit: CLIP-I, CLIP-Out, DINO; MagicBrush: L1, CLIP-I, DINO), and the paper's rows
 * (../shared/spec/icedit.md §5) printed beside ours. The demo adds the pixel rule's accuracy.
 */
import type { BenchKind } from "../bench/bench.js";
import type { MetricKey } from "../run/sample-record.js";

export interface MetricColumn {
  readonly key: MetricKey;
  readonly title: string;
  /** Whether a lower value is better (L1, L2). */
  readonly lowerIsBetter: boolean;
}

const L1: MetricColumn = { key: "l1", title: "L1", lowerIsBetter: true };
const CLIP_I: MetricColumn = { key: "clipI", title: "CLIP-I", lowerIsBetter: false };
const CLIP_OUT: MetricColumn = { key: "clipOut", title: "CLIP-Out", lowerIsBetter: false };
const DINO: MetricColumn = { key: "dino", title: "DINO", lowerIsBetter: false };
const PIXEL_RULE: MetricColumn = { key: "pixelRule", title: "pixel rule", lowerIsBetter: false };
/** The VLM's overall score (0-10, src/eval/vlm/vlm-score.ts): not the paper's GPT column, which is a different question. */
export const VLM_COLUMN: MetricColumn = { key: "vlm", title: "VLM O (0-10)", lowerIsBetter: false };

/** The table's columns for a benchmark (a folder: MagicBrush's with targets, Emu Edit's without, CLIP-Out when it has captions). */
export function columnsOf(kind: BenchKind, againstSource: boolean, hasCaptions: boolean): MetricColumn[] {
  if (kind === "magicbrush") return [L1, CLIP_I, DINO];
  if (kind === "emu-edit") return [CLIP_I, CLIP_OUT, DINO];
  if (kind === "demo") return [PIXEL_RULE, L1, CLIP_I, DINO, CLIP_OUT];
  const base = againstSource ? [CLIP_I, DINO] : [L1, CLIP_I, DINO];
  return hasCaptions ? [...base, CLIP_OUT] : base;
}

export interface PaperRow {
  readonly method: string;
  readonly values: Partial<Record<MetricKey, number>>;
  /** The GPT-4o score of the Emu Edit table (no column of ours: the VLM score is not computed). */
  readonly gpt?: number;
}

/** The ICEdit paper's numbers (its tables; ../shared/spec/icedit.md §5). */
export const PAPER_ROWS: Partial<Record<BenchKind, readonly PaperRow[]>> = {
  "emu-edit": [
    { method: "ICEdit (paper)", values: { clipI: 0.907, clipOut: 0.305, dino: 0.866 }, gpt: 0.68 },
    { method: "EmuEdit (paper)", values: { clipI: 0.877, clipOut: 0.306, dino: 0.844 }, gpt: 0.72 },
    { method: "UltraEdit (paper)", values: { clipI: 0.88, clipOut: 0.304, dino: 0.847 }, gpt: 0.54 },
    { method: "FLUX.1 Fill, IC prompt, no adapter (paper)", values: { clipI: 0.794, clipOut: 0.273, dino: 0.659 }, gpt: 0.24 },
  ],
  magicbrush: [{ method: "ICEdit (paper)", values: { l1: 0.06, clipI: 0.928, dino: 0.853 } }],
};
