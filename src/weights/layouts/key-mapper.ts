/**
 * Expands a table of key rows with `{i}` placeholders against the names a checkpoint actually
 * has, and checks that every row it uses is complete and every name is accounted for.
 * Generic over the table: it knows nothing about FLUX.
 */
import { MissingTensorError } from "../errors.js";
import { UnmappedTensorError } from "./errors.js";

/** A row of a two-sided key table; `T` is whatever the table attaches to a row (its transform). */
export interface TableRow<T> {
  readonly bfl: string;
  readonly diffusers: readonly string[];
  readonly transform: T;
}

export type Side = "bfl" | "diffusers";

function sourceKeys<T>(row: TableRow<T>, side: Side): readonly string[] {
  return side === "bfl" ? [row.bfl] : row.diffusers;
}

function patternRegex(pattern: string): RegExp {
  const escaped = pattern.split("{i}").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("(\\d+)")}$`);
}

function instantiate<T>(row: TableRow<T>, i: string): TableRow<T> {
  const fill = (p: string): string => p.split("{i}").join(i);
  return { bfl: fill(row.bfl), diffusers: row.diffusers.map(fill), transform: row.transform };
}

/** The block indices (as written, e.g. "3") for which any of the row's source keys is present. */
function indicesOf(patterns: readonly string[], names: readonly string[]): string[] {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const re = patternRegex(pattern);
    for (const name of names) {
      const m = re.exec(name);
      if (m?.[1] !== undefined) found.add(m[1]);
    }
  }
  return [...found].sort((a, b) => Number(a) - Number(b));
}

/**
 * The concrete rows for `names` read from `side`. A row (per block index) is used when any of
 * its source keys is present, and then all must be (else MissingTensorError). Names that no
 * row uses throw UnmappedTensorError.
 */
export function expandRows<T>(rows: readonly TableRow<T>[], side: Side, names: readonly string[], file: string): TableRow<T>[] {
  const present = new Set(names);
  const used = new Set<string>();
  const out: TableRow<T>[] = [];
  for (const row of rows) {
    const patterns = sourceKeys(row, side);
    const indexed = patterns.some((p) => p.includes("{i}"));
    const instances = indexed ? indicesOf(patterns, names).map((i) => instantiate(row, i)) : [row];
    for (const inst of instances) {
      const keys = sourceKeys(inst, side);
      if (!keys.some((k) => present.has(k))) continue;
      const missing = keys.find((k) => !present.has(k));
      if (missing !== undefined) {
        const others = keys.filter((k) => present.has(k)).join(", ");
        throw new MissingTensorError(missing, file, `it is needed with ${others} (which are present): the checkpoint is incomplete`);
      }
      keys.forEach((k) => used.add(k));
      out.push(inst);
    }
  }
  const unmapped = names.filter((n) => !used.has(n));
  if (unmapped.length > 0) throw new UnmappedTensorError(file, unmapped, side);
  return out;
}
