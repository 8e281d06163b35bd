/**
 * Contact sheets of the best and worst samples per metric: one row per sample (source, edit,
 * target when the benchmark has one), the best first (their edits framed), then the worst, each
 * edit labelled with its id and value. Built with the contact sheet of noise selection.
 */
import { contactSheet, type SheetEntry } from "../../image/contact-sheet.js";
import type { RgbImage } from "../../image/rgb.js";
import type { BenchSample } from "../bench/bench.js";
import type { SampleRecord } from "../run/sample-record.js";
import type { MetricColumn } from "./columns.js";
import { metricValue } from "./summary.js";

export interface ChosenSamples {
  readonly best: readonly SampleRecord[];
  readonly worst: readonly SampleRecord[];
}

/** The `count` best and worst scored records by `column` (ties in record order; worst excludes the best). */
export function bestAndWorst(records: readonly SampleRecord[], column: MetricColumn, count: number): ChosenSamples {
  const valued = records
    .map((r) => ({ r, v: metricValue(r, column.key) }))
    .filter((x): x is { r: SampleRecord; v: number } => x.v !== null);
  const sign = column.lowerIsBetter ? 1 : -1;
  const ordered = [...valued].sort((a, b) => sign * (a.v - b.v));
  const best = ordered.slice(0, count);
  const worst = ordered.slice(Math.max(best.length, ordered.length - count)).reverse();
  return { best: best.map((x) => x.r), worst: worst.map((x) => x.r) };
}

export interface SheetImages {
  /** The edit of a record (from the store or the predictions folder). */
  edited(record: SampleRecord): Promise<RgbImage | null>;
  sample(id: string): BenchSample | undefined;
}

function label(record: SampleRecord, column: MetricColumn): string {
  const v = metricValue(record, column.key);
  const value = v === null ? "-" : column.key === "pixelRule" ? (v === 1 ? "pass" : "fail") : v.toFixed(3);
  return `${record.id} ${column.title} ${value}`;
}

/** The sheet of `chosen`, or null when none of their images can be read. */
export async function bestWorstSheet(chosen: ChosenSamples, column: MetricColumn, images: SheetImages): Promise<RgbImage | null> {
  const rows: SheetEntry[][] = [];
  const withTarget = [...chosen.best, ...chosen.worst].some((r) => images.sample(r.id)?.target !== undefined);
  for (const [records, best] of [
    [chosen.best, true],
    [chosen.worst, false],
  ] as const) {
    for (const record of records) {
      const sample = images.sample(record.id);
      const edited = await images.edited(record);
      if (!sample || !edited) continue;
      const row: SheetEntry[] = [
        { image: await sample.source(), label: best ? "best: source" : "worst: source", winner: false },
        { image: edited, label: label(record, column), winner: best },
      ];
      if (withTarget) {
        const target = sample.target ? await sample.target() : null;
        row.push({ image: target ?? edited, label: target ? "target" : "(no target)", winner: false });
      }
      rows.push(row);
    }
  }
  if (rows.length === 0) return null;
  return contactSheet(rows.flat(), withTarget ? 3 : 2);
}
