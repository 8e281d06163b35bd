/**
 * The result of `icedit eval-demo` as data (the --json output and report.json), as a Markdown
 * report, and the files of --out DIR: examples/<i>-source.png and -target.png once, <run>/<i>-edited.png
 * per configuration, report.json and report.md.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../image/atomic-write.js";
import { writeImage, type RgbImage } from "../../image/index.js";
import { formatAccuracyMarkdown, type AccuracyTable } from "./accuracy.js";
import type { EvalDemoResult } from "./eval-demo.js";
import type { EvalExample } from "./eval-example.js";

export interface EvalDemoSettings {
  readonly model: string;
  readonly count: number;
  /** The held-out seed of the first edit; null when the edits come from a scenes folder. */
  readonly firstSeed: number | null;
  /** The scenes folder the edits come from (--scenes); null for held-out seeds. */
  readonly scenes: string | null;
  /** The side of the scenes, in pixels. */
  readonly size: number;
  /** Width of each edit (scored at size x size). */
  readonly width: number;
  readonly steps: number;
  readonly seed: number;
  /** True CFG's scale of every edit (1: off). */
  readonly trueCfgScale: number;
}

export interface EvalDemoReport {
  readonly settings: EvalDemoSettings;
  readonly runs: readonly {
    readonly name: string;
    readonly label: string;
    readonly adapters: readonly string[];
    readonly selection: { readonly candidates: number | null; readonly judge: string } | null;
    readonly openMs: number;
    readonly totalMs: number;
    readonly meanEditMs: number;
    readonly table: AccuracyTable;
    readonly edits: readonly {
      readonly index: number;
      readonly seed: number | null;
      readonly file: string | null;
      readonly kind: string;
      readonly instruction: string;
      readonly passed: boolean;
      /** Fraction of the region near the target (null for an empty region). */
      readonly inside: number | null;
      /** Fraction of the outside near the source (null for an empty mask). */
      readonly outside: number | null;
      readonly reason: string;
      readonly ms: number;
    }[];
  }[];
  readonly markdown: string;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function evalDemoReport(settings: EvalDemoSettings, results: readonly EvalDemoResult[]): EvalDemoReport {
  return {
    settings,
    runs: results.map((r) => ({
      name: r.run.name,
      label: r.run.label,
      adapters: r.adapters,
      selection: r.run.selection
        ? { candidates: r.run.selection.candidates ?? null, judge: r.run.selection.judge.identity?.kind ?? "custom" }
        : null,
      openMs: r.openMs,
      totalMs: r.totalMs,
      meanEditMs: r.meanEditMs,
      table: r.table,
      edits: r.edits.map((e) => ({
        index: e.index,
        seed: e.seed,
        file: e.file,
        kind: e.kind,
        instruction: e.instruction,
        passed: e.score.passed,
        inside: finite(e.score.inside),
        outside: finite(e.score.outside),
        reason: e.score.reason,
        ms: e.ms,
      })),
    })),
    markdown: formatAccuracyMarkdown(results.map((r) => ({ name: r.run.label, table: r.table }))),
  };
}

/** One line per run: how long opening and editing took. */
export function timingLines(report: EvalDemoReport): string[] {
  return report.runs.map(
    (r) =>
      `${r.label}: opened in ${(r.openMs / 1000).toFixed(1)} s, ${r.edits.length} edits in ${(r.totalMs / 1000).toFixed(1)} s ` +
      `(${(r.meanEditMs / 1000).toFixed(2)} s per edit)`,
  );
}

/** The Markdown report: settings, the table, the timings. */
export function reportMarkdown(report: EvalDemoReport): string {
  const s = report.settings;
  return [
    `# icedit eval-demo`,
    "",
    `${editsLine(s)}, edited at width ${s.width}, ${s.steps} steps, seed ${s.seed}${s.trueCfgScale === 1 ? "" : `, true CFG ${s.trueCfgScale}`}, model ${s.model}`,
    "",
    report.markdown,
    ...timingLines(report).map((line) => `- ${line}`),
    "",
  ].join("\n");
}

/** "200 held-out edits (seeds 1000000 to 1000199, 128x128)" or "200 edits of the scenes folder DIR (128x128, ...)". */
function editsLine(s: EvalDemoSettings): string {
  const edits = `${s.count} ${s.scenes === null ? "held-out " : ""}edit${s.count === 1 ? "" : "s"}`;
  if (s.scenes !== null) return `${edits} of the scenes folder ${s.scenes} (${s.size}x${s.size}, masks from the images)`;
  const first = s.firstSeed ?? 0;
  return `${edits} (seeds ${first} to ${first + s.count - 1}, ${s.size}x${s.size})`;
}

const name = (index: number): string => String(index).padStart(5, "0");

/** DIR/examples/<i>-source.png and <i>-target.png of each example. */
export async function writeExampleImages(dir: string, examples: readonly EvalExample[]): Promise<void> {
  await mkdir(join(dir, "examples"), { recursive: true });
  for (const { index, example } of examples) {
    await writeImage(join(dir, "examples", `${name(index)}-source.png`), example.source);
    await writeImage(join(dir, "examples", `${name(index)}-target.png`), example.target);
  }
}

/** DIR/<run>/<i>-edited.png. */
export async function writeEditedImage(dir: string, run: string, index: number, edited: RgbImage): Promise<string> {
  await mkdir(join(dir, run), { recursive: true });
  const path = join(dir, run, `${name(index)}-edited.png`);
  await writeImage(path, edited);
  return path;
}

/** DIR/report.json and DIR/report.md. */
export async function writeReport(dir: string, report: EvalDemoReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
  await writeFileAtomic(join(dir, "report.json"), encode(`${JSON.stringify(report, null, 2)}\n`));
  await writeFileAtomic(join(dir, "report.md"), encode(reportMarkdown(report)));
}
