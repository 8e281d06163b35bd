/**
 * What a noise selection will do: the candidates' seeds, the number of early steps, and the cost.
 * Seeds are given, or derived from a base seed s as s, s + 1, ..., s + M - 1 (so candidate 1 is
 * the plain edit with seed s, and any candidate can be redone alone with its own seed). No
 * defaults here: the library's edit defaults (api/edit-defaults.ts) fill in what a caller leaves out.
 */
import { InvalidArgumentError } from "../../errors.js";

export interface SeedOptions {
  /** The candidates' seeds, in order (the tournament goes through them in this order). */
  readonly seeds?: readonly number[];
  /** The base seed s when `seeds` is not given: the candidates are s, s + 1, ... */
  readonly seed?: number;
  /** M, the number of candidates (needed with `seed`). */
  readonly candidates?: number;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError(`a seed must be a whole number >= 0, got ${seed}`);
}

export function candidateSeeds(options: SeedOptions): number[] {
  if (options.seeds !== undefined) {
    const seeds = [...options.seeds];
    if (seeds.length === 0) throw new InvalidArgumentError("noise selection needs at least one candidate seed");
    seeds.forEach(checkSeed);
    const repeated = seeds.find((s, i) => seeds.indexOf(s) !== i);
    if (repeated !== undefined) throw new InvalidArgumentError(`the candidate seeds must differ: ${repeated} is given twice`);
    if (options.candidates !== undefined && options.candidates !== seeds.length) {
      throw new InvalidArgumentError(
        `${seeds.length} seeds were given for ${options.candidates} candidates: give one seed per candidate, or only a base seed`,
      );
    }
    return seeds;
  }
  const { candidates: count, seed: base } = options;
  if (count === undefined || base === undefined) {
    throw new InvalidArgumentError("noise selection needs the candidates' seeds, or a base seed and a number of candidates");
  }
  if (!Number.isInteger(count) || count < 1)
    throw new InvalidArgumentError(`the number of candidates must be a whole number of at least 1, got ${count}`);
  checkSeed(base);
  checkSeed(base + count - 1);
  return Array.from({ length: count }, (_, i) => base + i);
}

/** m, capped at n - 1 so that the winner has at least one step of its own; needs n >= 2. */
export function earlyStepsFor(m: number, steps: number): number {
  if (!Number.isInteger(steps) || steps < 2)
    throw new InvalidArgumentError(`noise selection needs at least 2 denoising steps (early steps, then the winner's), got ${steps}`);
  if (!Number.isInteger(m) || m < 1)
    throw new InvalidArgumentError(`the number of early steps must be a whole number of at least 1, got ${m}`);
  return Math.min(m, steps - 1);
}

/** Transformer evaluations: M * m for the candidates' early steps, n - m for the winner's rest. */
export function selectionCost(candidates: number, earlySteps: number, steps: number): number {
  return candidates * earlySteps + (steps - earlySteps);
}
