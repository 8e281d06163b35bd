/**
 * A generic two-sided key mapper for tables whose keys carry several index placeholders.
 * `{i}`, `{j}` (any word) bind an index; `{N-1-i}` stands for size N minus 1 minus the index i
 * (a level order that one layout counts backwards). It knows nothing about any model.
 */
import type { Side } from "./key-mapper.js";

export type { Side } from "./key-mapper.js";

/** A row of a two-sided table; each side is one key pattern. */
export interface PatternRow {
  readonly bfl: string;
  readonly diffusers: string;
}

/** Named sizes the `{N-1-i}` placeholders refer to. */
export type PatternSizes = Readonly<Record<string, number>>;

type Slot = { readonly index: string; readonly reversedBy?: string };

interface Compiled {
  readonly regex: RegExp;
  readonly slots: readonly Slot[];
}

const PLACEHOLDER = /\{(?:(\w+)-1-)?(\w+)\}/g;

function compile(pattern: string): Compiled {
  const slots: Slot[] = [];
  let source = "";
  let last = 0;
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    source += escapeRegex(pattern.slice(last, m.index)) + "(\\d+)";
    slots.push(m[1] === undefined ? { index: m[2] as string } : { index: m[2] as string, reversedBy: m[1] });
    last = (m.index ?? 0) + m[0].length;
  }
  source += escapeRegex(pattern.slice(last));
  return { regex: new RegExp(`^${source}$`), slots };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The index values `key` binds in `pattern`, or null when it does not match (or binds inconsistently). */
function bind(c: Compiled, key: string, sizes: PatternSizes): Map<string, number> | null {
  const m = c.regex.exec(key);
  if (!m) return null;
  const values = new Map<string, number>();
  for (let k = 0; k < c.slots.length; k++) {
    const slot = c.slots[k] as Slot;
    const raw = Number(m[k + 1]);
    let value = raw;
    if (slot.reversedBy !== undefined) {
      const size = sizes[slot.reversedBy];
      if (size === undefined || raw >= size) return null;
      value = size - 1 - raw;
    }
    const seen = values.get(slot.index);
    if (seen !== undefined && seen !== value) return null;
    values.set(slot.index, value);
  }
  return values;
}

/** Whether every `{N-1-i}` slot of `c` gets an index below N from `values`. */
function fits(c: Compiled, values: ReadonlyMap<string, number>, sizes: PatternSizes): boolean {
  return c.slots.every((slot) => {
    if (slot.reversedBy === undefined) return true;
    const n = sizes[slot.reversedBy];
    const v = values.get(slot.index);
    return n !== undefined && v !== undefined && v < n;
  });
}

/** `pattern` with its placeholders filled from `values`. */
export function fillPattern(pattern: string, values: ReadonlyMap<string, number>, sizes: PatternSizes): string {
  return pattern.replace(PLACEHOLDER, (whole, size: string | undefined, index: string) => {
    const v = values.get(index);
    if (v === undefined) throw new RangeError(`pattern ${pattern}: no value for ${whole}`);
    if (size === undefined) return String(v);
    const n = sizes[size];
    if (n === undefined) throw new RangeError(`pattern ${pattern}: size ${size} is not known`);
    return String(n - 1 - v);
  });
}

export interface MappedKey<R extends PatternRow> {
  readonly row: R;
  /** The key on the other side. */
  readonly name: string;
}

/** Maps concrete keys between the two sides of a pattern table, for given sizes. */
export class PatternKeyMapper<R extends PatternRow> {
  private readonly compiled: readonly { readonly row: R; readonly bfl: Compiled; readonly diffusers: Compiled }[];

  constructor(
    readonly rows: readonly R[],
    readonly sizes: PatternSizes = {},
  ) {
    this.compiled = rows.map((row) => ({ row, bfl: compile(row.bfl), diffusers: compile(row.diffusers) }));
  }

  /** The counterpart of `key` read from side `from`, through the first matching row; undefined when no row matches. */
  map(key: string, from: Side): MappedKey<R> | undefined {
    const to: Side = from === "bfl" ? "diffusers" : "bfl";
    for (const c of this.compiled) {
      const values = bind(c[from], key, this.sizes);
      if (values && fits(c[to], values, this.sizes)) return { row: c.row, name: fillPattern(c.row[to], values, this.sizes) };
    }
    return undefined;
  }
}
