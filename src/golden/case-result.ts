/** The outcome of one golden case and how it is printed. */
import type { TensorComparison } from "./compare.js";
import type { GoldenCase, GoldenManifest } from "./manifest.js";
import type { Engine } from "../runtime/engine.js";

export type CaseStatus = "PASS" | "FAIL" | "SKIP";

export interface CaseResult {
  readonly name: string;
  readonly status: CaseStatus;
  readonly comparisons: readonly TensorComparison[];
  /** Extra words for the line: weights used, skip reason, error message. */
  readonly detail?: string;
}

export interface GoldenEnv {
  readonly engine: Engine;
  readonly manifest: GoldenManifest;
}

/** Runs the cases of one component. */
export interface ComponentRunner {
  readonly component: string;
  run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult>;
}

export function summarize(name: string, comparisons: readonly TensorComparison[], detail?: string): CaseResult {
  const ok = comparisons.length > 0 && comparisons.every((c) => c.ok);
  return { name, status: ok ? "PASS" : "FAIL", comparisons, detail };
}

/** `PASS <case> max_abs_err=<x> worst=<tensor> [detail]` */
export function formatCaseLine(r: CaseResult): string {
  if (r.status === "SKIP") return `SKIP ${r.name} max_abs_err=- worst=-${r.detail ? ` (${r.detail})` : ""}`;
  const failed = r.comparisons.filter((c) => !c.ok);
  const pool = failed.length > 0 ? failed : r.comparisons;
  const worst = pool.reduce<TensorComparison | null>((w, c) => (!w || c.maxAbsErr > w.maxAbsErr ? c : w), null);
  const failing = r.comparisons
    .filter((c) => !c.ok)
    .map((c) => (c.problem ? `${c.name}: ${c.problem}` : `${c.name}: ${c.failures}/${c.count} outside`));
  const maxErr = r.comparisons.reduce((m, c) => Math.max(m, c.maxAbsErr), 0);
  const parts = [`${r.status} ${r.name} max_abs_err=${maxErr.toExponential(2)} worst=${worst?.name ?? "-"}`];
  if (failing.length > 0) parts.push(`[${failing.join("; ")}]`);
  if (r.detail) parts.push(`(${r.detail})`);
  return parts.join(" ");
}

/** One indented line per compared tensor. */
export function formatComparisons(r: CaseResult): string[] {
  return r.comparisons.map((c) => {
    const verdict = c.ok ? "ok  " : "FAIL";
    const extra = c.problem ?? `${c.failures}/${c.count} outside`;
    return `    ${verdict} ${c.name} max_abs_err=${c.maxAbsErr.toExponential(2)} ${extra}`;
  });
}
