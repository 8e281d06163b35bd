/**
 * The 32-bit Mersenne Twister (Matsumoto & Nishimura, MT19937) as torch's CPU generator runs it
 * (aten/src/ATen/core/MT19937RNGEngine.h): `init_genrand` seeding from a 32-bit value, the
 * standard twist and tempering, and the state refilled lazily *before* the draw that needs it
 * (`if (--left == 0) next_state()`, with left = 1 after seeding). The stream equals C++
 * std::mt19937 and numpy's legacy `RandomState` seeding for the same 32-bit seed.
 */

import { InvalidArgumentError } from "../errors.js";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

/** The recurrence's core: the upper bit of u and the lower 31 of v, shifted, times A. */
function twist(u: number, v: number): number {
  return (((u & UPPER) | (v & LOWER)) >>> 1) ^ (v & 1 ? MATRIX_A : 0);
}

/** A copy of the engine's whole state (what torch's `mt19937_data_pod` holds, less the seed). */
export interface Mt19937State {
  readonly state: Uint32Array;
  /** Draws left before the next refill, plus one (1..624). */
  readonly left: number;
  /** Index of the next word of `state` to temper (0..624). */
  readonly next: number;
}

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private left = 1;
  private next = 0;

  /** `init_genrand(seed)`; seed is taken modulo 2^32. */
  constructor(seed32: number) {
    const mt = this.mt;
    mt[0] = seed32 >>> 0;
    for (let j = 1; j < N; j++) {
      const prev = mt[j - 1] as number;
      mt[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
  }

  static fromState(s: Mt19937State): Mt19937 {
    if (s.state.length !== N || !(s.left >= 1 && s.left <= N) || !(s.next >= 0 && s.next <= N)) {
      throw new InvalidArgumentError(
        `not an mt19937 state: it needs ${N} words (got ${s.state.length}), 1 <= left <= ${N} (got ${s.left}) and ` +
          `0 <= next <= ${N} (got ${s.next}); take one from Mt19937.state() or TorchGenerator.state()`,
      );
    }
    const engine = new Mt19937(0);
    engine.mt.set(s.state);
    engine.left = s.left;
    engine.next = s.next;
    return engine;
  }

  state(): Mt19937State {
    return { state: this.mt.slice(), left: this.left, next: this.next };
  }

  clone(): Mt19937 {
    return Mt19937.fromState(this.state());
  }

  /** The next tempered 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (--this.left === 0) this.refill();
    let y = this.mt[this.next++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Writes the next `count` outputs to out[from ..]; the same as calling nextUint32 count times. */
  fill(out: Uint32Array, from = 0, count = out.length - from): void {
    const mt = this.mt;
    let left = this.left;
    let next = this.next;
    for (let i = from; i < from + count; i++) {
      if (--left === 0) {
        this.refill();
        left = N;
        next = 0;
      }
      let y = mt[next++] as number;
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      out[i] = y;
    }
    this.left = left;
    this.next = next;
  }

  /** Skips `count` outputs (same effect as drawing them). */
  discard(count: number): void {
    for (let i = 0; i < count; i++) this.nextUint32();
  }

  /** The twist: regenerates all 624 words in place, in ascending order. */
  private refill(): void {
    const mt = this.mt;
    let j = 0;
    for (; j < N - M; j++) mt[j] = (mt[j + M] as number) ^ twist(mt[j] as number, mt[j + 1] as number);
    for (; j < N - 1; j++) mt[j] = (mt[j + M - N] as number) ^ twist(mt[j] as number, mt[j + 1] as number);
    mt[N - 1] = (mt[M - 1] as number) ^ twist(mt[N - 1] as number, mt[0] as number);
    this.left = N;
    this.next = 0;
  }
}
