/**
 * torch's CPU `normal_` for contiguous tensors of 16 or more elements (`normal_fill` and
 * `NormalFill16` in aten/src/ATen/native/cpu/DistributionTemplates.h, AVX2 kernel):
 *
 * - uniforms u = (uint32 & 0xFFFFFF) · 2^-24, one generator word each;
 * - Box-Muller on blocks of 16, pairing u[j] with u[j+8] (j < 8):
 *   r = √(-2 ln(1 - u[j])), θ = float32(2π) · u[j+8], out[j] = r cos θ, out[j+8] = r sin θ,
 *   all in float32 with the AVX2 log and sincos (torch-avx-mathfun.ts);
 * - if numel % 16 ≠ 0, 16 fresh uniforms go through the same transform and overwrite the last
 *   16 outputs.
 *
 * float32 draws numel uniforms for the first pass; bfloat16 (computed in float32, then rounded to
 * nearest even) draws only ⌊numel/16⌋·16, so its tail block starts one slot earlier in the stream.
 */
import { f32ToBf16 } from "../numeric/float16.js";
import type { Mt19937 } from "./mt19937.js";
import { avxLogF32, avxSinCosF32 } from "./torch-avx-mathfun.js";

const fr = Math.fround;
const TWO_PI_F32 = fr(2 * Math.PI);
const TWO_POW_M24 = 2 ** -24;
const SIN_COS = new Float64Array(2);

/** Overwrites data[at .. at+16) (uniforms in [0, 1)) with 16 standard normal values. */
export function normalFill16(data: Float32Array, at: number): void {
  for (let j = at; j < at + 8; j++) {
    const u1 = fr(1 - (data[j] as number)); // (0, 1]: log never sees 0
    const radius = fr(Math.sqrt(fr(-2 * avxLogF32(u1))));
    avxSinCosF32(fr(TWO_PI_F32 * (data[j + 8] as number)), SIN_COS);
    // `+ 0` is the kernel's final fma(n, std = 1, mean = 0), which turns -0 into +0.
    data[j] = fr(radius * (SIN_COS[1] as number)) + 0;
    data[j + 8] = fr(radius * (SIN_COS[0] as number)) + 0;
  }
}

/** Fills out[from .. from+count) with float32 uniforms, one generator word each. */
function fillUniforms(engine: Mt19937, out: Float32Array, from: number, count: number): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length);
  engine.fill(words, from, count);
  // In place: each float is written where its word was read.
  for (let i = from; i < from + count; i++) out[i] = ((words[i] as number) & 0xffffff) * TWO_POW_M24;
}

/** The transformed blocks plus the tail rule; `firstPass` uniforms are drawn before the blocks. */
function fill(engine: Mt19937, numel: number, firstPass: number): Float32Array {
  const out = new Float32Array(numel);
  fillUniforms(engine, out, 0, firstPass);
  for (let at = 0; at + 16 <= numel; at += 16) normalFill16(out, at);
  if (numel % 16 !== 0) {
    fillUniforms(engine, out, numel - 16, 16);
    normalFill16(out, numel - 16);
  }
  return out;
}

/** float32 randn for numel >= 16: consumes numel words, plus 16 when numel % 16 ≠ 0. */
export function normalFillF32(engine: Mt19937, numel: number): Float32Array {
  return fill(engine, numel, numel);
}

/** bfloat16 randn bits for numel >= 16: consumes ⌊numel/16⌋·16 words, plus 16 when numel % 16 ≠ 0. */
export function normalFillBf16(engine: Mt19937, numel: number): Uint16Array {
  return f32ToBf16(fill(engine, numel, numel - (numel % 16)));
}
