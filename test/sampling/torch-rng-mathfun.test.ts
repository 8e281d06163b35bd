import { test } from "node:test";
import assert from "node:assert/strict";
import { f32Bits, f32FromBits, fmaF32, ulpDistanceF32 } from "../../src/numeric/float32.js";
import { avxLogF32, avxSinCosF32, fastFmaF32 } from "../../src/sampling/torch-avx-mathfun.js";
import { Prng } from "../../src/numeric/prng.js";

const hex = (x: number): string => `0x${f32Bits(x).toString(16).padStart(8, "0")}`;

test("fastFmaF32 equals the exact fmaF32, midpoint cases included", () => {
  // Triples where fround(a·b + c) double-rounds (x86 fmaf results; see test/numeric/torch-expf.test.ts).
  const vectors: Array<[number, number, number, number]> = [
    [0x40000014, 0xbf7fffd8, 0xcc3e2be1, 0xcc3e2be1],
    [0x3c00001d, 0x3f7fffc6, 0x485a58b5, 0x485a58b5],
    [0x3f00001b, 0x3f7fffca, 0xcb1d0d7d, 0xcb1d0d7d],
    [0x3e00000c, 0xbf7fffe8, 0xca4c81dd, 0xca4c81dd],
    [0x5ca18000, 0x3278c300, 0x2b40f286, 0x4f9cef05],
  ];
  for (const [ab, bb, cb, rb] of vectors) {
    const got = fastFmaF32(f32FromBits(ab), f32FromBits(bb), f32FromBits(cb));
    assert.equal(hex(got), hex(f32FromBits(rb)));
  }
  assert.equal(fastFmaF32(1 + 2 ** -23, 1 - 2 ** -23, 2 ** 24 + 2), 2 ** 24 + 2);
  // Random float32 triples over a wide exponent range, and ones built to land near midpoints.
  const rng = new Prng(11);
  const f = (scale: number): number => Math.fround((rng.uniform() * 2 - 1) * 2 ** Math.floor(rng.uniform() * scale - scale / 2));
  for (let i = 0; i < 200000; i++) {
    const a = f(40);
    const b = f(40);
    const c = i % 2 ? f(40) : Math.fround(-a * b + f(4) * 2 ** -20);
    const want = fmaF32(a, b, c);
    assert.ok(Object.is(fastFmaF32(a, b, c), want), `fma(${hex(a)}, ${hex(b)}, ${hex(c)})`);
  }
});

test("avxLogF32 is Cephes' logf: within 1 float32 step of log, NaN for x <= 0", () => {
  let worst = 0;
  for (let k = 1; k <= 2 ** 24; k += 97) {
    const x = Math.fround(k * 2 ** -24); // the 1 - u arguments of the normal kernel
    worst = Math.max(worst, ulpDistanceF32(avxLogF32(x), Math.fround(Math.log(x))));
  }
  for (const x of [1e-30, 1e-10, 3, 1234.5, 3e38])
    worst = Math.max(worst, ulpDistanceF32(avxLogF32(Math.fround(x)), Math.fround(Math.log(Math.fround(x)))));
  assert.ok(worst <= 1, `worst ${worst} steps`);
  assert.ok(Object.is(avxLogF32(1), 0));
  assert.ok(Number.isNaN(avxLogF32(0)));
  assert.ok(Number.isNaN(avxLogF32(-1)));
  assert.ok(Number.isNaN(avxLogF32(NaN)));
});

test("avxSinCosF32 is Cephes' sinf/cosf: within 1.2e-7 of sin and cos on the kernel's angles", () => {
  const out = new Float64Array(2);
  let worst = 0;
  const twoPi = Math.fround(2 * Math.PI);
  for (let k = 0; k < 2 ** 24; k += 89) {
    const theta = Math.fround(twoPi * Math.fround(k * 2 ** -24));
    avxSinCosF32(theta, out);
    worst = Math.max(worst, Math.abs((out[0] as number) - Math.sin(theta)), Math.abs((out[1] as number) - Math.cos(theta)));
  }
  for (const x of [-100.25, -3, -0.5, 7.5, 1000]) {
    avxSinCosF32(Math.fround(x), out);
    worst = Math.max(
      worst,
      Math.abs((out[0] as number) - Math.sin(Math.fround(x))),
      Math.abs((out[1] as number) - Math.cos(Math.fround(x))),
    );
  }
  assert.ok(worst <= 1.2e-7, `worst ${worst}`);
  avxSinCosF32(0, out);
  assert.deepEqual(Array.from(out), [0, 1]);
  avxSinCosF32(Math.fround(Math.PI / 2), out);
  assert.equal(out[1], Math.fround(out[1] as number), "results are float32 values");
  assert.ok(Math.abs((out[0] as number) - 1) < 1e-7);
});
