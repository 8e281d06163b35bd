/** Small draws on the project's seeded generator, for the scene samplers. */
import type { Prng } from "../../numeric/prng.js";

/** An integer in [0, n). */
export function randomIndex(prng: Prng, n: number): number {
  return Math.min(n - 1, Math.floor(prng.uniform() * n));
}

/** One element of a non-empty list, uniformly; null for an empty one. */
export function pickOne<T>(prng: Prng, items: readonly T[]): T | null {
  return items.length === 0 ? null : (items[randomIndex(prng, items.length)] as T);
}

/** Uniform in [lo, hi). */
export function uniformIn(prng: Prng, lo: number, hi: number): number {
  return lo + (hi - lo) * prng.uniform();
}
