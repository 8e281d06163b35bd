/**
 * Bit-exact scalar emulation of the float32 log and sin/cos that torch's AVX2 `normal_` kernel
 * calls: `log256_ps` and `sincos256_ps` from aten/src/ATen/native/cpu/avx_mathfun.h (Giovanni
 * Garberoglio's AVX port of Julien Pommier's sse_mathfun, itself a rewrite of Cephes' logf and
 * sinf/cosf), as the x86-64 wheels compile them.
 *
 * Those wheels build the AVX2 kernels with -mfma, and GCC's default -ffp-contract=fast fuses some
 * `_mm256_mul_ps` + `_mm256_add_ps` pairs of that header into single-rounding FMAs. Which pairs
 * fuse is not visible in the source; the choice below (every polynomial step, the Cody-Waite
 * reduction, and the final combination steps) reproduces torch 2.13.0+cpu's `torch.randn` output
 * bit for bit on all 131072 values of the golden case, where plain separate roundings differ by
 * one float32 step in about 1% of the values.
 *
 * Arguments and results are float32 values held in numbers.
 */
import { f32Bits, f32FromBits } from "../numeric/float32.js";

const fr = Math.fround;

/**
 * fmaf(a, b, c) for float32 a, b, c: a·b + c rounded once to float32. The product p = a·b is
 * exact in binary64, so only the binary64 sum s = p + c can round, and rounding s again to
 * float32 (r) is wrong only when s lands exactly on a float32 midpoint while the exact sum did
 * not (s - r = d is then half a float32 step, and r + 2d the other neighbour). In that case the
 * TwoSum error t of p + c says on which side of the midpoint the exact sum lies.
 */
export function fastFmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fr(s);
  const d = s - r;
  if (d === 0) return r;
  const other = r + 2 * d;
  if (fr(other) !== other) return r; // s is not a midpoint
  const bv = s - p;
  const t = p - (s - bv) + (c - bv);
  if (t === 0) return r; // the exact sum is the midpoint: fround's tie to even is right
  return t > 0 === d > 0 ? other : r;
}

// Cephes logf: sqrt(1/2), the degree-8 polynomial of (log(1+x) - x + x²/2) / x³ (highest degree
// first) and ln 2 split as Q2 + Q1 (Q2 has few bits, so e·Q2 is exact).
const SQRT_HALF = fr(0.707106781186547524);
const P0 = fr(7.0376836292e-2);
const P1 = fr(-1.151461031e-1);
const P2 = fr(1.167699874e-1);
const P3 = fr(-1.2420140846e-1);
const P4 = fr(1.4249322787e-1);
const P5 = fr(-1.6668057665e-1);
const P6 = fr(2.0000714765e-1);
const P7 = fr(-2.4999993993e-1);
const P8 = fr(3.3333331174e-1);
const LOG_Q1 = fr(-2.1219444e-4);
const LOG_Q2 = fr(0.693359375);
const HALF_MINUS = fr(-0.5);
const FLOAT_MIN_NORMAL = 2 ** -126;

/**
 * `log256_ps` for one lane. NaN for x <= 0 (and NaN); subnormal inputs are raised to the smallest
 * normal float32 first, as the header does. Within one float32 step of the correctly rounded log
 * on the kernel's arguments (see the tests).
 */
export function avxLogF32(xIn: number): number {
  if (!(xIn > 0)) return NaN;
  const x0 = xIn < FLOAT_MIN_NORMAL ? FLOAT_MIN_NORMAL : xIn;
  const bits = f32Bits(x0);
  // x0 = m · 2^e with m in [0.5, 1): the biased exponent minus 126.
  let e = (bits >>> 23) - 127 + 1;
  const m = f32FromBits((bits & ~0x7f800000) | 0x3f000000);
  let x: number;
  if (m < SQRT_HALF) {
    e -= 1;
    x = fr(fr(m - 1) + m); // 2m - 1, in [-0.29, 0.41) together with the other branch
  } else {
    x = fr(m - 1);
  }
  const z = fr(x * x);
  let y = fastFmaF32(P0, x, P1);
  y = fastFmaF32(y, x, P2);
  y = fastFmaF32(y, x, P3);
  y = fastFmaF32(y, x, P4);
  y = fastFmaF32(y, x, P5);
  y = fastFmaF32(y, x, P6);
  y = fastFmaF32(y, x, P7);
  y = fastFmaF32(y, x, P8);
  y = fr(y * x);
  y = fastFmaF32(y, z, fr(e * LOG_Q1)); // y·z + e·Q1
  // The last two fused steps need no fastFmaF32: z/2 is an exact float32 (x is a multiple of 2^-24,
  // so z >= 2^-48 or 0) and so is e·Q2 (|e| <= 129, Q2 = 355/512), which leaves float32 sums,
  // correctly rounded by fround.
  y = fr(y + z * HALF_MINUS); // - z/2
  x = fr(x + y);
  return fr(x + e * LOG_Q2); // + e·Q2
}

// Cephes sinf/cosf: 4/π, π/4 split in three parts (negated) for the reduction, and the
// polynomials of sin and cos on [-π/4, π/4] (highest degree first).
const FOUR_OVER_PI = fr(1.27323954473516);
const MINUS_DP1 = fr(-0.78515625);
const MINUS_DP2 = fr(-2.4187564849853515625e-4);
const MINUS_DP3 = fr(-3.77489497744594108e-8);
const S0 = fr(-1.9515295891e-4);
const S1 = fr(8.3321608736e-3);
const S2 = fr(-1.6666654611e-1);
const C0 = fr(2.443315711809948e-5);
const C1 = fr(-1.388731625493765e-3);
const C2 = fr(4.166664568298827e-2);

/** The float32 result of cvttps2dq: truncation, or INT32_MIN when out of range or NaN. */
function truncInt32(y: number): number {
  const t = Math.trunc(y);
  return t >= -2147483648 && t <= 2147483647 ? t : -2147483648;
}

/**
 * `sincos256_ps` for one lane: writes sin(x) to out[0] and cos(x) to out[1]. Accurate for
 * |x| up to a few thousand (no large-argument reduction, like the header).
 */
export function avxSinCosF32(xIn: number, out: Float64Array): void {
  const negative = xIn < 0 || (xIn === 0 && 1 / xIn < 0);
  const xa = Math.abs(xIn);
  // j = the octant index rounded up to even; x is reduced to x - j·π/4.
  let j = truncInt32(fr(xa * FOUR_OVER_PI));
  j = ((j + 1) | 0) & ~1;
  const jf = fr(j);
  let x = fastFmaF32(jf, MINUS_DP1, xa);
  x = fastFmaF32(jf, MINUS_DP2, x);
  x = fastFmaF32(jf, MINUS_DP3, x);
  const sinNegative = negative !== ((j & 4) !== 0);
  const cosNegative = (~((j - 2) | 0) & 4) !== 0;
  const sinPolyForSin = (j & 2) === 0;

  const z = fr(x * x);
  // cos polynomial: 1 - z/2 + z²·(c0·z² + c1·z + c2)
  let yc = fastFmaF32(C0, z, C1);
  yc = fastFmaF32(yc, z, C2);
  yc = fastFmaF32(fr(yc * z), z, -fr(z * 0.5));
  yc = fr(yc + 1);
  // sin polynomial: x + x·z·(s0·z² + s1·z + s2)
  let ys = fastFmaF32(S0, z, S1);
  ys = fastFmaF32(ys, z, S2);
  ys = fastFmaF32(fr(ys * z), x, x);

  // The header selects with and/andnot and adds the halves back: exact, except that -0 becomes +0.
  const s = (sinPolyForSin ? ys : yc) + 0;
  const c = (sinPolyForSin ? yc : ys) + 0;
  out[0] = sinNegative ? -s : s;
  out[1] = cosNegative ? -c : c;
}
