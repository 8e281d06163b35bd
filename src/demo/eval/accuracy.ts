/** Accuracy of scored edits per instruction kind and overall, and the README's Markdown table. */
import { EDIT_KINDS, type EditKind } from "./instruction.js";

export interface ScoredEdit {
  readonly kind: EditKind;
  readonly passed: boolean;
}

export interface AccuracyCell {
  readonly passed: number;
  readonly total: number;
  /** passed / total, NaN when there were no edits. */
  readonly accuracy: number;
}

export interface AccuracyTable {
  readonly perKind: Readonly<Record<EditKind, AccuracyCell>>;
  readonly overall: AccuracyCell;
}

/** Counts passes per kind (recolour, remove, background, add) and over all edits. */
export function accuracyTable(edits: readonly ScoredEdit[]): AccuracyTable {
  const counts = Object.fromEntries(EDIT_KINDS.map((kind) => [kind, { passed: 0, total: 0 }])) as Record<
    EditKind,
    { passed: number; total: number }
  >;
  for (const edit of edits) {
    const cell = counts[edit.kind];
    cell.total++;
    if (edit.passed) cell.passed++;
  }
  const perKind = Object.fromEntries(EDIT_KINDS.map((kind) => [kind, cellOf(counts[kind].passed, counts[kind].total)])) as Record<
    EditKind,
    AccuracyCell
  >;
  const passed = edits.filter((edit) => edit.passed).length;
  return { perKind, overall: cellOf(passed, edits.length) };
}

function cellOf(passed: number, total: number): AccuracyCell {
  return { passed, total, accuracy: total === 0 ? Number.NaN : passed / total };
}

/** One row of the README table: a configuration (e.g. "LoRA-MoE") and its accuracy. */
export interface AccuracyRow {
  readonly name: string;
  readonly table: AccuracyTable;
}

/** A Markdown table: one row per configuration, a column per kind and one for all edits ("92.5% (37/40)"). */
export function formatAccuracyMarkdown(rows: readonly AccuracyRow[]): string {
  const header = ["model", ...EDIT_KINDS, "overall"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const row of rows) {
    const cells = [...EDIT_KINDS.map((kind) => formatCell(row.table.perKind[kind])), formatCell(row.table.overall)];
    lines.push(`| ${row.name.replaceAll("|", "\\|")} | ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

function formatCell(cell: AccuracyCell): string {
  if (cell.total === 0) return "-";
  return `${(cell.accuracy * 100).toFixed(1)}% (${cell.passed}/${cell.total})`;
}
