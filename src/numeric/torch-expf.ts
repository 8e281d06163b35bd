/**
 * torch's float32 exp on the CPU, and the FLUX timestep frequency table built with it.
 *
 * Where torch's CPU exp comes from (read in pytorch/pytorch):
 * - aten/src/ATen/native/cpu/UnaryOpsKernel.cpp: `STATIC_IMPLEMENT_COMPLEX_KERNEL(exp)` defines
 *   exp_kernel; its IMPLEMENT_ITERATOR_LAMBDA calls `vml::vexp(out, in, n)` on every contiguous
 *   run (and on an 8 KiB contiguous buffer for strided data).
 * - aten/src/ATen/cpu/vml.h: the generic `vexp` maps `Vectorized<float>::exp()`, but when
 *   `AT_MKL_ENABLED() && !defined(__APPLE__)` the float and double versions are replaced by
 *   `IMPLEMENT_VML_MKL(exp, Exp)`, a call to oneMKL's `vmsExp(n, in, out, VML_HA | ...)`.
 *   The x86-64 Linux wheels (torch 2.13.0+cpu made the golden numbers) are MKL builds, so
 *   `torch.exp` on a float32 tensor runs oneMKL's closed-source high-accuracy vsExp kernel.
 * - aten/src/ATen/cpu/vec/vec512/vec512_float.h: `Vectorized<float>::exp()` is
 *   `Sleef_expf16_u10` (vec256_float.h: `Sleef_expf8_u10`). torch uses this where the vectorized
 *   exp is called directly (sigmoid, SiLU, softmax-style kernels) and for torch.exp itself in
 *   builds without MKL. `exp_u20` there is a separate, less accurate helper that torch.exp does
 *   not use.
 *
 * oneMKL's algorithm is not public, so it cannot be emulated step by step. Measured against the
 * golden table (torch 2.13.0+cpu): the correctly rounded float32 exp differs in 2 of 128 entries
 * (k = 12 and 106, by 1 ulp each: MKL rounded up values whose exact fraction is 0.479 and
 * 0.482 ulp), while SLEEF's expf_u10, emulated bit-exactly below, differs in 17 entries (1 ulp
 * each). torchExpF32 therefore models the MKL path by the correctly rounded result; sleefExpF32
 * is the exact emulation of the vectorized exp.
 */
import { fmaF32, rintHalfEven } from "./float32.js";

const fr = Math.fround;

// SLEEF constants (src/common/misc.h and xexpf in src/libm/sleefsimdsp.c), as float32.
/** 1/ln 2 (R_LN2f). */
const R_LN2F = fr(1.442695040888963407359924681001892137426645954152985934135449406931);
/** -ln 2 split in two float32 parts: -L2Uf (a few bits, so q·L2Uf is exact) and -L2Lf. */
const NEG_L2UF = fr(-0.693145751953125);
const NEG_L2LF = fr(-1.428606765330187045e-6);
/** Minimax polynomial of (exp(s) - 1 - s) / s², highest degree first. */
const EXPF_POLY: readonly number[] = [
  0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359, 0.0416664853692054748535156,
  0.166666671633720397949219, 0.5,
].map(fr);

/**
 * Bit-exact emulation of SLEEF's `xexpf` as built for Sleef_expf16_u10 (AVX-512F) and
 * Sleef_expf8_u10 (AVX2): every `vmla` is a fused multiply-add there. x must be a float32 value.
 * Max error 1 ulp; not always correctly rounded.
 */
export function sleefExpF32(x: number): number {
  const d = fr(x);
  if (Number.isNaN(d)) return NaN;
  // The final selects of xexpf: d < -104 clears the result to +0, d > 100 gives +Infinity.
  if (d < -104) return 0;
  if (d > 100) return Infinity;
  // q = rint(d · (1/ln 2)) with the product rounded to float32 first (vmul, then cvtps2dq).
  const q = rintHalfEven(fr(d * R_LN2F));
  // s = d - q·ln 2 in two FMA steps (Cody-Waite); float(q) is exact for |q| ≤ 150.
  let s = fmaF32(q, NEG_L2UF, d);
  s = fmaF32(q, NEG_L2LF, s);
  // Horner: u = ((((c0·s + c1)·s + c2)·s + c3)·s + c4)·s + c5, each step one FMA.
  let u = EXPF_POLY[0] ?? 0;
  for (let i = 1; i < EXPF_POLY.length; i++) u = fmaF32(u, s, EXPF_POLY[i] ?? 0);
  // u = 1 + (s² · u + s): s² rounded (vmul), then one FMA, then a float32 add.
  u = fr(1 + fmaF32(fr(s * s), u, s));
  // vldexp2: u · 2^(q>>1) · 2^(q - (q>>1)), two float32 multiplications (they matter only for
  // subnormal results). For -104 ≤ d ≤ 100, q ∈ [-150, 145], so both powers are normal float32.
  const h = q >> 1;
  u = fr(u * 2 ** h);
  return fr(u * 2 ** (q - h));
}

/**
 * Nearest float32 to e^x, through binary64 Math.exp: correctly rounded except when e^x lies
 * within about one binary64 ulp of a float32 rounding boundary (a chance near 2^-28 per input).
 */
export function roundedExpF32(x: number): number {
  return fr(Math.exp(fr(x)));
}

/**
 * The float32 result of `torch.exp` on a CPU float32 tensor, as far as it can be reproduced.
 * torch's x86-64 MKL builds run oneMKL's vsExp (VML_HA), whose algorithm is not published; the
 * correctly rounded result is its closest reproducible model (it matches 126 of the 128 golden
 * timestep frequencies; the 2 others are 1 ulp off). For builds or kernels that run
 * `Vectorized<float>::exp` (SLEEF), use sleefExpF32 instead.
 */
export function torchExpF32(x: number): number {
  return roundedExpF32(x);
}

/**
 * FLUX's timestep frequency table with torch's float32 operation order (BFL
 * `timestep_embedding` in src/flux/modules/layers.py):
 *
 *   freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
 *
 * Python evaluates left to right: the double scalar -ln(max_period) meets a float32 tensor, so
 * torch's mul kernel computes in float32 with the scalar cast to float32; the quotient by the
 * integer `half` is a float32 division (exact here, half being a power of two); then exp.
 * The exp function defaults to torchExpF32 and can be swapped (e.g. for sleefExpF32).
 */
export function torchTimestepFreqs(dim = 256, maxPeriod = 10000, exp: (x: number) => number = torchExpF32): Float32Array {
  const half = Math.floor(dim / 2);
  const scale = fr(-Math.log(maxPeriod));
  const out = new Float32Array(half);
  for (let k = 0; k < half; k++) {
    const exponent = fr(fr(scale * k) / half);
    out[k] = exp(exponent);
  }
  return out;
}
