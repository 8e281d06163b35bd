/**
 * The numbers step caching decides by: the relative mean absolute change of a tensor between two
 * steps, and TeaCache's rescaling of that change for FLUX (a polynomial fitted by TeaCache's
 * authors from the modulated input's change to the model output's change).
 */

/**
 * TeaCache4FLUX's rescaling polynomial, highest power first (numpy.poly1d order):
 * f(x) = 498.651651 x^4 - 283.781631 x^3 + 55.8554382 x^2 - 3.82021401 x + 0.264230861.
 */
export const TEACACHE_FLUX_COEFFICIENTS: readonly number[] = [4.98651651e2, -2.83781631e2, 5.58554382e1, -3.82021401, 2.64230861e-1];

/** The polynomial `coefficients` (highest power first) at x, by Horner's rule. */
export function teacacheRescale(x: number, coefficients: readonly number[] = TEACACHE_FLUX_COEFFICIENTS): number {
  let y = 0;
  for (const c of coefficients) y = y * x + c;
  return y;
}

/**
 * mean |current - previous| / mean |previous|, where `previous` is one sample's values and
 * `current` holds them at `offset` (a batch); Infinity when previous is all zeros.
 */
export function relativeL1(current: Float32Array, previous: Float32Array, offset = 0): number {
  const length = previous.length;
  let diff = 0;
  let base = 0;
  for (let i = offset; i < offset + length; i++) {
    const p = previous[i - offset] as number;
    diff += Math.abs((current[i] as number) - p);
    base += Math.abs(p);
  }
  return base > 0 ? diff / base : Number.POSITIVE_INFINITY;
}
