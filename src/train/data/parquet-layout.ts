/**
 * The two Hugging Face parquet layouts ICEdit trains on, told apart by their columns: MagicBrush
 * (source_img, target_img, instruction; images with a watermark strip at the bottom) and OmniEdit
 * (src_img, edited_img, edited_prompt_list: several phrasings of one edit, one picked at random).
 */
import { UnknownParquetLayoutError } from "./errors.js";

export interface ParquetLayout {
  readonly name: "magicbrush" | "omniedit";
  readonly source: string;
  readonly target: string;
  readonly instruction: string;
  /** "text": one instruction per row; "list": a list of phrasings, one picked per row. */
  readonly instructionKind: "text" | "list";
  /** Crop the bottom 1/32 of both images (MagicBrush's watermark). */
  readonly cropWatermark: boolean;
}

export const MAGICBRUSH_LAYOUT: ParquetLayout = {
  name: "magicbrush",
  source: "source_img",
  target: "target_img",
  instruction: "instruction",
  instructionKind: "text",
  cropWatermark: true,
};

export const OMNIEDIT_LAYOUT: ParquetLayout = {
  name: "omniedit",
  source: "src_img",
  target: "edited_img",
  instruction: "edited_prompt_list",
  instructionKind: "list",
  cropWatermark: false,
};

/** The layout whose columns `columns` (top-level names) holds; `source` names the shard in the error. */
export function detectParquetLayout(columns: readonly string[], source: string): ParquetLayout {
  const has = (layout: ParquetLayout): boolean => [layout.source, layout.target, layout.instruction].every((c) => columns.includes(c));
  if (has(MAGICBRUSH_LAYOUT)) return MAGICBRUSH_LAYOUT;
  if (has(OMNIEDIT_LAYOUT)) return OMNIEDIT_LAYOUT;
  throw new UnknownParquetLayoutError(source, columns);
}
