/**
 * The external drawer's own random numbers (not the project's Prng): Marsaglia's xorshift32
 * (shifts 13, 17, 5) on a seed scrambled by a multiplicative hash, so seed 0 works too.
 */
export class XorShift32 {
  private state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`the drawer's seed is a whole number >= 0, got ${seed}`);
    const mixed = Math.imul((seed ^ (seed / 2 ** 32)) >>> 0, 0x9e3779b1) >>> 0;
    this.state = mixed === 0 ? 0x6d2b79f5 : mixed;
  }

  /** The next 32-bit word. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 2 ** 32;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** An element of a non-empty list, uniformly; undefined for an empty one. */
  pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.float() * items.length)];
  }

  /** The list in a random order (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
