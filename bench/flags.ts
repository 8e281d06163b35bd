/**
 * The bench's `--name value` flags (section names are the other arguments), e.g.
 * `npm run bench -- speed --blocks 1+1 --count 20`.
 */
export interface BenchFlags {
  readonly sections: readonly string[];
  readonly values: ReadonlyMap<string, string>;
}

export function parseBenchArgs(args: readonly string[]): BenchFlags {
  const sections: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--")) {
      sections.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) throw new Error(`bench flag ${arg} needs a value (e.g. ${arg} 2)`);
      values.set(arg.slice(2), next);
      i++;
    }
  }
  return { sections, values };
}

const parsed = parseBenchArgs(process.argv.slice(2));

/** This process's flags. */
export function benchFlags(): BenchFlags {
  return parsed;
}

export function flagNumber(name: string, fallback: number): number {
  const raw = parsed.values.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${raw}: expected a non-negative number`);
  return n;
}

/** `--blocks D+S`: double and single blocks of a full-size transformer measured. */
export function flagBlocks(fallback: { double: number; single: number }): { double: number; single: number } {
  const raw = parsed.values.get("blocks");
  if (raw === undefined) return fallback;
  const m = /^(\d+)\+(\d+)$/.exec(raw);
  if (!m) throw new Error(`--blocks ${raw}: expected D+S, e.g. 3+3 (double + single blocks)`);
  return { double: Number(m[1]), single: Number(m[2]) };
}
