/**
 * The records of a run as table rows: the mean of each metric over the scored samples, overall and
 * per task type; MagicBrush as its paper reports it, final turn (each session's last) and all
 * turns. The pixel rule's cell is its pass rate.
 */
import type { SampleRecord, MetricKey } from "../run/sample-record.js";
import type { MetricColumn } from "./columns.js";

export interface SummaryRow {
  readonly name: string;
  /** Scored samples in the row. */
  readonly count: number;
  /** Mean per column key (null where no sample has the metric). */
  readonly means: Partial<Record<MetricKey, number | null>>;
}

export function metricValue(record: SampleRecord, key: MetricKey): number | null {
  if (key === "pixelRule") return record.pixelRule ? (record.pixelRule.passed ? 1 : 0) : null;
  if (key === "vlm") return record.vlm?.overall ?? null;
  const value = record.scores?.[key];
  return value === undefined || value === null || !Number.isFinite(value) ? null : value;
}

function row(name: string, records: readonly SampleRecord[], columns: readonly MetricColumn[]): SummaryRow {
  const scored = records.filter((r) => r.scores !== null);
  const means: Partial<Record<MetricKey, number | null>> = {};
  for (const { key } of columns) {
    const values = scored.map((r) => metricValue(r, key)).filter((v): v is number => v !== null);
    means[key] = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  }
  return { name, count: scored.length, means };
}

/** The rows of the main table: MagicBrush's final and all turns, or the overall mean. */
export function overallRows(records: readonly SampleRecord[], columns: readonly MetricColumn[], multiTurn: boolean): SummaryRow[] {
  if (!multiTurn) return [row("overall", records, columns)];
  return [
    row(
      "final turn",
      records.filter((r) => r.turn?.final === true),
      columns,
    ),
    row("all turns", records, columns),
  ];
}

/** One row per task type (in first-seen order), or none when no record has a task. */
export function taskRows(records: readonly SampleRecord[], columns: readonly MetricColumn[]): SummaryRow[] {
  const tasks = [...new Set(records.map((r) => r.task).filter((t): t is string => t !== null))];
  return tasks.map((task) =>
    row(
      task,
      records.filter((r) => r.task === task),
      columns,
    ),
  );
}
