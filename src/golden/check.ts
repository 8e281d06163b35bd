/** Runs the cases of a golden manifest and reports one line per case plus a summary. */
import { IceditError } from "../errors.js";
import { Engine } from "../runtime/engine.js";
import type { CaseResult } from "./case-result.js";
import { loadManifest } from "./manifest.js";
import { RUNNERS, runnerFor } from "./registry.js";

export interface CheckGoldenOptions {
  /** Components to run (e.g. ["flux-transformer"]); all when absent. */
  readonly only?: readonly string[];
  /** Count skipped cases as a failure of the whole check. */
  readonly requireAll?: boolean;
  readonly onResult?: (result: CaseResult) => void;
  readonly engine?: Engine;
}

export interface CheckGoldenSummary {
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly ok: boolean;
}

export class GoldenSelectionError extends IceditError {}

export async function checkGolden(dir: string, options: CheckGoldenOptions = {}): Promise<CheckGoldenSummary> {
  const manifest = await loadManifest(dir);
  const components = new Set(manifest.cases.map((c) => c.component));
  for (const name of options.only ?? []) {
    if (!components.has(name)) {
      throw new GoldenSelectionError(
        `--only ${name}: the manifest has no case of that component (it has: ${[...components].join(", ")}; icedit checks: ${RUNNERS.map((r) => r.component).join(", ")})`,
      );
    }
  }
  const selected = manifest.cases.filter((c) => !options.only || options.only.includes(c.component));
  const engine = options.engine ?? new Engine();
  const results: CaseResult[] = [];
  try {
    for (const c of selected) {
      const runner = runnerFor(c.component);
      let result: CaseResult;
      if (!runner) result = { name: c.name, status: "SKIP", comparisons: [], detail: `component ${c.component} not supported yet` };
      else {
        try {
          result = await runner.run(c, { engine, manifest });
        } catch (error) {
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          result = { name: c.name, status: "FAIL", comparisons: [], detail: message };
        }
      }
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    if (!options.engine) await engine.close();
  }
  const count = (s: CaseResult["status"]): number => results.filter((r) => r.status === s).length;
  const passed = count("PASS");
  const failed = count("FAIL");
  const skipped = count("SKIP");
  const ok = failed === 0 && !(options.requireAll && skipped > 0);
  return { results, passed, failed, skipped, ok };
}

export function summaryLine(s: CheckGoldenSummary): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""}`;
}
