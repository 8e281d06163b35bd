/** The golden-vector manifest (docs/golden.md §2): types and a validating loader. */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { IceditError } from "../errors.js";

export class GoldenManifestError extends IceditError {}

export interface ToleranceRule {
  readonly atol: number;
  readonly rtol: number;
}

export interface CaseTolerance {
  readonly atol?: number;
  readonly rtol?: number;
  readonly per_tensor?: Readonly<Record<string, ToleranceRule>>;
  readonly [extra: string]: unknown;
}

export interface GoldenWeights {
  readonly format: string;
  readonly file: string;
  readonly component: string;
  readonly config?: string;
  readonly layout?: string;
  readonly dtype?: string;
  readonly [extra: string]: unknown;
}

export interface GoldenCase {
  readonly name: string;
  readonly component: string;
  readonly config?: string;
  readonly weights: readonly string[];
  readonly inputs?: string;
  readonly expected: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tolerance: CaseTolerance;
  readonly notes?: readonly string[];
}

export interface GoldenManifest {
  readonly dir: string;
  readonly formatVersion: number;
  readonly set: string;
  readonly configs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly weights: Readonly<Record<string, GoldenWeights>>;
  readonly cases: readonly GoldenCase[];
  /** Absolute path of a file named relative to the manifest. */
  path(relative: string): string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export async function loadManifest(dirOrFile: string): Promise<GoldenManifest> {
  const file = dirOrFile.endsWith(".json") ? resolve(dirOrFile) : resolve(dirOrFile, "manifest.json");
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new GoldenManifestError(`cannot read the golden manifest ${file}: ${why}`);
  }
  if (!isRecord(json) || !Array.isArray(json["cases"]) || !isRecord(json["weights"])) {
    throw new GoldenManifestError(`${file} is not a golden manifest: it needs "cases" (a list) and "weights" (an object)`);
  }
  const dir = dirname(file);
  const cases = (json["cases"] as unknown[]).map((c, i): GoldenCase => {
    if (!isRecord(c) || typeof c["name"] !== "string" || typeof c["component"] !== "string" || typeof c["expected"] !== "string") {
      throw new GoldenManifestError(`${file}: case #${i} lacks a name, component or expected file`);
    }
    return {
      name: c["name"],
      component: c["component"],
      config: typeof c["config"] === "string" ? c["config"] : undefined,
      weights: Array.isArray(c["weights"]) ? (c["weights"] as string[]) : [],
      inputs: typeof c["inputs"] === "string" ? c["inputs"] : undefined,
      expected: c["expected"],
      params: isRecord(c["params"]) ? c["params"] : {},
      tolerance: isRecord(c["tolerance"]) ? (c["tolerance"] as CaseTolerance) : {},
      notes: Array.isArray(c["notes"]) ? (c["notes"] as string[]) : undefined,
    };
  });
  return {
    dir,
    formatVersion: typeof json["format_version"] === "number" ? json["format_version"] : 0,
    set: typeof json["set"] === "string" ? json["set"] : "unknown",
    configs: isRecord(json["configs"]) ? (json["configs"] as GoldenManifest["configs"]) : {},
    weights: json["weights"] as GoldenManifest["weights"],
    cases,
    path: (relative: string) => resolve(dir, relative),
  };
}
