/** The candidates' previews as one contact sheet: each seed under its preview, the winner framed. */
import { contactSheet } from "../../image/contact-sheet.js";
import type { Tensor } from "../../tensor.js";
import type { CandidatePreview } from "./previews.js";

export function previewSheet(previews: readonly CandidatePreview[], winner: number, columns?: number): Tensor<"u8"> {
  return contactSheet(
    previews.map((p) => ({ image: p.image, label: `seed ${p.seed}${p.seed === winner ? " winner" : ""}`, winner: p.seed === winner })),
    columns,
  );
}
