/**
 * The report of one `icedit eval` run: a JSON value (settings, counts, skipped and dropped ids,
 * the table rows, every sample's record, timings) and its Markdown tables: the paper's rows and
 * columns with ours beside them, then one row per task type, then the skipped rows.
 */
import type { Bench, BenchSkip } from "../bench/bench.js";
import type { SampleRecord } from "../run/sample-record.js";
import { columnsOf, PAPER_ROWS, VLM_COLUMN, type MetricColumn } from "./columns.js";
import { overallRows, taskRows, type SummaryRow } from "./summary.js";

export interface EvalReport {
  readonly bench: { readonly kind: Bench["kind"]; readonly description: string };
  /** What was run (model, adapters, edit options, metric models), as given to the store. */
  readonly settings: Record<string, unknown>;
  readonly columns: readonly MetricColumn[];
  readonly counts: {
    readonly samples: number;
    readonly evaluated: number;
    readonly scored: number;
    readonly skipped: number;
    readonly dropped: number;
  };
  /** Bad rows (found when the benchmark was read, or during the run), with their ids. */
  readonly skipped: readonly BenchSkip[];
  /** Rows the benchmark's protocol drops. */
  readonly dropped: readonly BenchSkip[];
  readonly rows: readonly SummaryRow[];
  readonly tasks: readonly SummaryRow[];
  /** Mean wall time of one edit made in this run (null when none was: --predictions, or all resumed). */
  readonly meanEditMs: number | null;
  readonly records: readonly SampleRecord[];
  readonly markdown: string;
}

function cell(value: number | null | undefined, column: MetricColumn): string {
  if (value === null || value === undefined) return "–";
  return column.key === "pixelRule" ? `${(100 * value).toFixed(1)}%` : value.toFixed(3);
}

function table(head: string, rows: readonly (readonly string[])[]): string[] {
  const header = head.split("|");
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

const MAX_IDS = 20;

function idList(skips: readonly BenchSkip[]): string {
  const shown = skips.slice(0, MAX_IDS).map((s) => `${s.id} (${s.reason})`);
  return shown.join("; ") + (skips.length > MAX_IDS ? `; and ${skips.length - MAX_IDS} more (report.json lists all)` : "");
}

function markdown(report: Omit<EvalReport, "markdown">, label: string): string {
  const { columns } = report;
  const titles = columns.map((c) => c.title).join("|");
  const paper = (PAPER_ROWS[report.bench.kind] ?? []).map((p) => [p.method, ...columns.map((c) => cell(p.values[c.key], c))]);
  const ours = report.rows.map((r) => [
    `${label}${r.name === "overall" ? "" : `, ${r.name}`} (n=${r.count})`,
    ...columns.map((c) => cell(r.means[c.key], c)),
  ]);
  const lines = [`# icedit eval: ${report.bench.description}`, "", ...table(`method|${titles}`, [...paper, ...ours])];
  if (report.tasks.length > 0) {
    lines.push(
      "",
      "Per task type:",
      "",
      ...table(
        `task|n|${titles}`,
        report.tasks.map((r) => [r.name, String(r.count), ...columns.map((c) => cell(r.means[c.key], c))]),
      ),
    );
  }
  const { counts } = report;
  lines.push(
    "",
    `${counts.scored} of ${counts.evaluated} evaluated samples scored (${counts.samples} in the benchmark after skips and drops).`,
  );
  if (report.skipped.length > 0) lines.push(`Skipped ${report.skipped.length} bad row(s): ${idList(report.skipped)}.`);
  if (report.dropped.length > 0)
    lines.push(`Dropped ${report.dropped.length} row(s) by the benchmark's protocol: ${idList(report.dropped)}.`);
  if (report.bench.kind === "emu-edit")
    lines.push("The paper's GPT column (GPT-4o's judgement) is not computed by icedit eval; --vlm-judge adds a VIEScore-style VLM column.");
  if (report.meanEditMs !== null) lines.push(`Mean edit time: ${(report.meanEditMs / 1000).toFixed(2)} s per sample.`);
  return `${lines.join("\n")}\n`;
}

/** `label` names our rows ("icedit (model, adapter)"). */
export function evalReport(bench: Bench, settings: Record<string, unknown>, records: readonly SampleRecord[], label: string): EvalReport {
  const hasCaptions = bench.samples.some((s) => s.outputCaption !== undefined);
  const vlm = records.some((r) => r.vlm !== undefined);
  const columns = [...columnsOf(bench.kind, bench.measureAgainstSource, hasCaptions), ...(vlm ? [VLM_COLUMN] : [])];
  const scored = records.filter((r) => r.scores !== null);
  const runSkips = records.filter((r) => r.skipped !== undefined).map((r) => ({ id: r.id, reason: r.skipped as string }));
  const skipped = [...bench.skipped, ...runSkips];
  const timed = records.map((r) => r.editMs).filter((ms): ms is number => ms !== null);
  const report = {
    bench: { kind: bench.kind, description: bench.description },
    settings,
    columns,
    counts: {
      samples: bench.samples.length,
      evaluated: records.length,
      scored: scored.length,
      skipped: skipped.length,
      dropped: bench.dropped.length,
    },
    skipped,
    dropped: bench.dropped,
    rows: overallRows(records, columns, bench.kind === "magicbrush"),
    tasks: taskRows(records, columns),
    meanEditMs: timed.length === 0 ? null : timed.reduce((a, b) => a + b, 0) / timed.length,
    records,
  };
  return { ...report, markdown: markdown(report, label) };
}
