/**
 * Exact IEEE binary32 arithmetic on JavaScript numbers.
 *
 * A float32 value is held in a number (binary64); `Math.fround` rounds a number to the nearest
 * float32, ties to even, with float32 subnormals and overflow to ±Infinity. Sums, differences and
 * products of two float32 values computed in binary64 and then passed through `Math.fround` are
 * the correctly rounded float32 results (binary64 has more than 2·24 + 2 bits, so the double
 * rounding is harmless for +, -, ×, ÷ and sqrt). A fused multiply-add is different: see fmaF32.
 */

const F64 = new Float64Array(1);
const U32_OF_F64 = new Uint32Array(F64.buffer);
/** Index of the low 32 bits of a binary64 in U32_OF_F64 (0 on little-endian hosts). */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

const F32 = new Float32Array(1);
const U32_OF_F32 = new Uint32Array(F32.buffer);

/** Rounds a number to the nearest float32 (ties to even). */
export const f32: (x: number) => number = Math.fround;

/** The raw bits of float32(x) as an unsigned 32-bit integer. */
export function f32Bits(x: number): number {
  F32[0] = x;
  return U32_OF_F32[0] ?? 0;
}

/** The float32 value with these raw bits. */
export function f32FromBits(bits: number): number {
  U32_OF_F32[0] = bits >>> 0;
  return F32[0] ?? 0;
}

/**
 * Distance in float32 steps between two float32 values: 0 when equal (+0 and -0 are 0 apart),
 * 1 for neighbours. NaN when either is NaN.
 */
export function ulpDistanceF32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  const key = (x: number): number => {
    const bits = f32Bits(x);
    // Map the sign-magnitude bit pattern onto a monotonic integer line (-0 and +0 both to 0).
    return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
  };
  return Math.abs(key(a) - key(b));
}

/**
 * Round half to even to an integer, as x86 CVTPS2DQ does under the default MXCSR rounding mode
 * (`_mm512_cvtps_epi32`, SLEEF's vrint_vi2_vf). The argument must be finite and within int32
 * range; the caller handles the rest.
 */
export function rintHalfEven(x: number): number {
  const r = Math.round(x); // rounds .5 up (towards +Infinity)
  // `+ 0` turns -0 (Math.round(-0.4)) into the integer 0.
  return (r - x === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/**
 * Float32 fused multiply-add: the float32 nearest (ties to even) to the exact a·b + c, as one
 * rounding, like the hardware `vfmadd` instructions (`_mm512_fmadd_ps`, C `fmaf`).
 * a, b and c must be float32 values.
 *
 * Why this is exact:
 * 1. p = a·b in binary64 is exact. The significands have at most 24 bits each, so the product has
 *    at most 48 ≤ 53 bits, and its magnitude lies in [2^-298, 2^256), inside binary64's normal
 *    range, so no bit is lost (0 stays 0).
 * 2. s = p + c in binary64 may round. Knuth's TwoSum gives t with p + c = s + t exactly
 *    (true for any binary64 inputs under round-to-nearest, barring overflow, impossible here as
 *    |p + c| < 2^257).
 * 3. Rounding s straight to float32 would be a double rounding: wrong when s falls exactly on a
 *    float32 midpoint while the exact sum was slightly off it. So s is first replaced by the
 *    round-to-odd binary64 value of the exact sum: when t ≠ 0 and s's last significand bit is 0,
 *    step s one binary64 ulp towards t (the neighbour on the exact sum's side, whose last bit
 *    is 1); otherwise keep s. Boldo & Melquiond ("Emulation of FMA and correctly rounded sums:
 *    proved algorithms using rounding to odd", IEEE TC 2008) prove that rounding to odd at
 *    precision p ≥ q + 2 followed by round-to-nearest at precision q equals the single
 *    round-to-nearest; here p = 53 and q = 24 (or fewer bits for float32 subnormals, whose grid
 *    2^-149 is far coarser than binary64's at those magnitudes), and Math.fround is that last
 *    round-to-nearest-even, overflow to ±Infinity included.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  if (!Number.isFinite(s)) return Math.fround(s); // Infinity/NaN operands propagate as in IEEE
  // TwoSum (Knuth): t = (p + c) - s exactly.
  const bb = s - p;
  const t = p - (s - bb) + (c - bb);
  if (t === 0) return Math.fround(s);
  F64[0] = s;
  const lo = U32_OF_F64[LO] ?? 0;
  if ((lo & 1) === 0) {
    // Step one ulp towards the exact value: away from zero when t has s's sign, else towards it.
    // s ≠ 0 here: an exactly-zero rounded sum would have no error (the exact sum of two doubles
    // this small is representable).
    if (s > 0 === t > 0) {
      U32_OF_F64[LO] = lo + 1; // lo is even, so this cannot carry
    } else if (lo !== 0) {
      U32_OF_F64[LO] = lo - 1;
    } else {
      U32_OF_F64[LO] = 0xffffffff;
      U32_OF_F64[HI] = (U32_OF_F64[HI] ?? 0) - 1;
    }
  }
  return Math.fround(F64[0] ?? 0);
}
