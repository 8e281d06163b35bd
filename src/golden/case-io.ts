/**
 * What every golden runner needs: the case's files opened and closed, weights by id, configs,
 * typed reads, and the comparison of all expected tensors a run produced.
 */
import type { Tensor } from "../tensor.js";
import { openSafetensors } from "../weights/safetensors/open.js";
import type { TensorSource } from "../weights/source.js";
import { compareTensor, ruleFor, type TensorComparison } from "./compare.js";
import { GoldenManifestError, type GoldenCase, type GoldenManifest } from "./manifest.js";
import type { GoldenEnv } from "./case-result.js";

/** Opens the case's inputs and expected files for `use`, and closes them after. */
export async function withCaseFiles<T>(
  env: GoldenEnv,
  c: GoldenCase,
  use: (inputs: TensorSource, expected: TensorSource) => Promise<T>,
): Promise<T> {
  if (!c.inputs) throw new GoldenManifestError(`case ${c.name} has no inputs file`);
  const inputs = await openSafetensors(env.manifest.path(c.inputs));
  try {
    const expected = await openSafetensors(env.manifest.path(c.expected));
    try {
      return await use(inputs, expected);
    } finally {
      await expected.close();
    }
  } finally {
    await inputs.close();
  }
}

/** Opens the weights file of manifest entry `weightId` for `use`, and closes it after. */
export async function withWeights<T>(manifest: GoldenManifest, weightId: string, use: (source: TensorSource) => Promise<T>): Promise<T> {
  const entry = manifest.weights[weightId];
  if (!entry) throw new GoldenManifestError(`weights ${weightId} are not in the manifest`);
  const source = await openSafetensors(manifest.path(entry.file));
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** Config entry `key` (e.g. bfl_FluxParams) of the config that weights `weightId` were made with. */
export function weightsConfig(manifest: GoldenManifest, weightId: string, key: string): unknown {
  const name = manifest.weights[weightId]?.config;
  const json = name ? manifest.configs[name]?.[key] : undefined;
  if (!json) throw new GoldenManifestError(`weights ${weightId}: config ${name ?? "(none)"} has no ${key}`);
  return json;
}

/** Config entry `key` of the case's config, or of its first weights' config. */
export function caseConfig(manifest: GoldenManifest, c: GoldenCase, key: string): unknown {
  const weightConfig = c.weights[0] ? manifest.weights[c.weights[0]]?.config : undefined;
  const name = c.config ?? weightConfig;
  const json = name ? manifest.configs[name]?.[key] : undefined;
  if (!json) throw new GoldenManifestError(`case ${c.name}: config ${name ?? "(none)"} has no ${key}`);
  return json;
}

/** params.`name` of the case, a finite number. */
export function numberParam(c: GoldenCase, name: string): number {
  const v = c.params[name];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new GoldenManifestError(`case ${c.name}: params.${name} must be a number`);
  return v;
}

export async function readTyped<D extends "u8" | "i64">(source: TensorSource, name: string, dtype: D): Promise<Tensor<D>> {
  const t = await source.read(name);
  if (t.dtype !== dtype) throw new GoldenManifestError(`${source.description}: ${name} must be ${dtype.toUpperCase()}, is ${t.dtype}`);
  return t as Tensor<D>;
}

/**
 * Compares every expected tensor that `actual` has (16-bit floats upcast; names suffixed `@tag`
 * when given); returns the comparisons and the expected names nothing was produced for.
 */
export async function compareExpected(
  c: GoldenCase,
  expected: TensorSource,
  actual: Readonly<Record<string, Tensor | undefined>>,
  tag?: string,
): Promise<{ comparisons: TensorComparison[]; missing: string[] }> {
  const comparisons: TensorComparison[] = [];
  const missing: string[] = [];
  for (const name of expected.names()) {
    const a = actual[name];
    if (!a) {
      missing.push(name);
      continue;
    }
    const stored = expected.entry(name).dtype;
    const e = stored === "bf16" || stored === "f16" ? await expected.readF32(name) : await expected.read(name);
    const cmp = compareTensor(name, a, e, ruleFor(c.tolerance, name));
    comparisons.push(tag ? { ...cmp, name: `${name}@${tag}` } : cmp);
  }
  return { comparisons, missing };
}

export function detailOf(parts: readonly string[], missing: readonly string[]): string {
  const notes = [...parts];
  if (missing.length > 0) notes.push(`not produced: ${[...new Set(missing)].join(", ")}`);
  return notes.join("; ");
}
