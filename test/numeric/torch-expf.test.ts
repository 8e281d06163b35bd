import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { goldenFile, goldenSkip } from "../golden-paths.js";
import { f32Bits, f32FromBits, fmaF32, rintHalfEven, ulpDistanceF32 } from "../../src/numeric/float32.js";
import { roundedExpF32, sleefExpF32, torchExpF32, torchTimestepFreqs } from "../../src/numeric/torch-expf.js";

const hex = (bits: number): string => `0x${(bits >>> 0).toString(16).padStart(8, "0")}`;

function assertSameF32(actual: number, expected: number, what: string): void {
  assert.ok(Object.is(actual, expected), `${what}: got ${actual} (${hex(f32Bits(actual))}), want ${expected} (${hex(f32Bits(expected))})`);
}

// ---------------------------------------------------------------------------------------------
// float32 helpers

test("fmaF32 rounds a·b + c once (where the naive double computation rounds twice)", () => {
  // (1 + 2^-23)(1 - 2^-23) + (2^24 + 2) = 2^24 + 3 - 2^-46 exactly: just below the float32
  // midpoint 2^24 + 3, so the answer is 2^24 + 2. In binary64 the sum rounds to 2^24 + 3 exactly,
  // which fround then ties to even: 2^24 + 4.
  const a = 1 + 2 ** -23;
  const b = 1 - 2 ** -23;
  const c = 2 ** 24 + 2;
  assert.equal(Math.fround(a * b + c), 2 ** 24 + 4);
  assertSameF32(fmaF32(a, b, c), 2 ** 24 + 2, "fma midpoint case");
  assertSameF32(fmaF32(-a, b, -c), -(2 ** 24 + 2), "fma midpoint case, negated");
  // Triples (a, b, c, fmaf(a, b, c)) from the x86 FMA instruction (C fmaf, compiled with FMA),
  // each one where Math.fround(a * b + c) is wrong.
  const vectors: Array<[number, number, number, number]> = [
    [0x40000014, 0xbf7fffd8, 0xcc3e2be1, 0xcc3e2be1],
    [0x3c00001d, 0x3f7fffc6, 0x485a58b5, 0x485a58b5],
    [0x3f00001b, 0x3f7fffca, 0xcb1d0d7d, 0xcb1d0d7d],
    [0x3e00000c, 0xbf7fffe8, 0xca4c81dd, 0xca4c81dd],
    [0x5ca18000, 0x3278c300, 0x2b40f286, 0x4f9cef05],
  ];
  for (const [ab, bb, cb, rb] of vectors) {
    const [x, y, z] = [f32FromBits(ab), f32FromBits(bb), f32FromBits(cb)];
    assert.notEqual(f32Bits(Math.fround(x * y + z)), rb, `naive is wrong for ${hex(ab)} ${hex(bb)} ${hex(cb)}`);
    assert.equal(hex(f32Bits(fmaF32(x, y, z))), hex(rb), `fmaF32(${hex(ab)}, ${hex(bb)}, ${hex(cb)})`);
  }
  // Exact results, signed zeros and special values.
  assertSameF32(fmaF32(3, 5, 7), 22, "small integers");
  assertSameF32(fmaF32(0, -1, -0), -0, "(+0)(-1) + (-0)");
  assertSameF32(fmaF32(1, 1, -1), 0, "exact cancellation");
  assertSameF32(fmaF32(Infinity, 1, 1), Infinity, "infinity");
  assert.ok(Number.isNaN(fmaF32(Infinity, 0, 1)), "inf·0 is NaN");
  assertSameF32(fmaF32(2 ** 127, 4, 0), Infinity, "overflow");
  assertSameF32(fmaF32(2 ** -75, 2 ** -75, 0), 0, "underflow below half the smallest subnormal");
  assertSameF32(fmaF32(2 ** -75, 2 ** -74, 0), 2 ** -149, "smallest subnormal");
});

test("rintHalfEven rounds ties to even like CVTPS2DQ", () => {
  const cases: Array<[number, number]> = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, 0],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999998, 2],
    [-7.6, -8],
  ];
  for (const [x, want] of cases) assert.equal(rintHalfEven(x), want, `rint(${x})`);
});

// ---------------------------------------------------------------------------------------------
// exp

// (x, Sleef_expf16_u10(x)) from libsleef 3.5.1 on an AVX-512 CPU (xexpf is unchanged up to 3.9).
// The first eight are inputs where SLEEF is not correctly rounded.
const SLEEF_VECTORS: Array<[number, number]> = [
  [0x429d6a65, 0x783b9440],
  [0xc1a2ebba, 0x30c4a256],
  [0x4191b2ca, 0x4c9adb6c],
  [0x41ec61b1, 0x54c5dba6],
  [0x42626f69, 0x684b8c96],
  [0xc2874e07, 0x0ea8b062],
  [0xc0e5edfa, 0x3a469c7a],
  [0xc1db20c5, 0x2bb2ea82],
  [0xc2af0000, 0x006cb2bc], // -87.5: subnormal result
  [0xc2be8000, 0x00000bfc], // -95.25
  [0xc2c80000, 0x0000001b], // -100
  [0xc2cfcccd, 0x00000001], // -103.9
  [0xc2d00000, 0x00000000], // -104
  [0x42b10000, 0x7f4cdcc4], // 88.5
  [0x42b170a4, 0x7f7f4648], // 88.72
  [0x42b175c3, 0x7f800000], // 88.73: overflow
  [0x80000000, 0x3f800000], // -0
  [0x3f800000, 0x402df854], // 1
  [0x3f000000, 0x3fd3094c], // 0.5
  [0xbf800000, 0x3ebc5ab2], // -1
];

test("sleefExpF32 reproduces Sleef_expf16_u10 bit for bit", () => {
  for (const [xb, yb] of SLEEF_VECTORS) {
    assert.equal(hex(f32Bits(sleefExpF32(f32FromBits(xb)))), hex(yb), `sleef exp(${f32FromBits(xb)})`);
  }
  // The first eight are where SLEEF and the correctly rounded result part (1 ulp).
  for (const [xb, yb] of SLEEF_VECTORS.slice(0, 8)) {
    assert.equal(ulpDistanceF32(roundedExpF32(f32FromBits(xb)), f32FromBits(yb)), 1);
  }
});

for (const [name, exp] of [
  ["torchExpF32", torchExpF32],
  ["sleefExpF32", sleefExpF32],
] as const) {
  test(`${name} closed-form values`, () => {
    assertSameF32(exp(0), 1, "exp(0)");
    assertSameF32(exp(-0), 1, "exp(-0)");
    assert.ok(ulpDistanceF32(exp(1), Math.fround(Math.E)) <= 1, "exp(1) within 1 ulp of e");
    assert.ok(ulpDistanceF32(exp(-1), Math.fround(1 / Math.E)) <= 1, "exp(-1) within 1 ulp of 1/e");
    assert.ok(ulpDistanceF32(exp(Math.fround(Math.LN2)), 2) <= 1, "exp(ln 2) within 1 ulp of 2");
    assert.ok(ulpDistanceF32(exp(Math.fround(-Math.log(10000))), Math.fround(1e-4)) <= 1, "exp(-ln 1e4)");
    for (const x of [-104.5, -150, -1e30, -Infinity]) assertSameF32(exp(x), 0, `exp(${x})`);
    for (const x of [89, 100.5, 1e30, Infinity]) assertSameF32(exp(x), Infinity, `exp(${x})`);
    assert.ok(Number.isNaN(exp(NaN)), "exp(NaN)");
    assert.ok(exp(-100) > 0 && exp(-100) < 2 ** -126, "exp(-100) is a float32 subnormal");
    // Within 1 ulp of the correctly rounded value on a sweep of the useful range.
    for (let i = 0; i <= 2000; i++) {
      const x = Math.fround(-87 + (175 * i) / 2000);
      assert.ok(ulpDistanceF32(exp(x), roundedExpF32(x)) <= 1, `exp(${x})`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The timestep frequency table against the golden one (torch 2.13.0+cpu)

/** One F32 tensor from a safetensors file, read with a minimal local parser. */
function readF32Tensor(path: string, name: string): { shape: number[]; data: Float32Array } {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const entry = header[name];
  assert.ok(entry, `${name} in ${path}`);
  assert.equal(entry.dtype, "F32");
  const [begin, end] = entry.data_offsets;
  const data = new Float32Array((end - begin) / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(8 + headerLength + begin + 4 * i);
  return { shape: entry.shape, data };
}

function mismatches(table: Float32Array, golden: Float32Array): Array<{ k: number; ulps: number }> {
  const out: Array<{ k: number; ulps: number }> = [];
  for (let k = 0; k < golden.length; k++) {
    const a = table[k] ?? NaN;
    const b = golden[k] ?? NaN;
    if (!Object.is(a, b)) out.push({ k, ulps: Math.sign(b - a) * ulpDistanceF32(a, b) });
  }
  return out;
}

function goldenFreqs(): Float32Array {
  const { shape, data } = readF32Tensor(goldenFile("cases/flux_transformer_b1.expected.safetensors"), "timestep_freqs");
  assert.deepEqual(shape, [128]);
  return data;
}

test("timestep frequencies: torch's op order, compared with the golden table", { skip: goldenSkip }, () => {
  const golden = goldenFreqs();
  const table = torchTimestepFreqs();
  assert.equal(table.length, 128);
  assertSameF32(table[0] ?? NaN, 1, "f_0");
  // oneMKL's vsExp (what torch.exp runs here) is closed source; the correctly rounded model
  // matches every entry but k = 12 and k = 106, where the golden value is 1 ulp higher.
  assert.deepEqual(mismatches(table, golden), [
    { k: 12, ulps: 1 },
    { k: 106, ulps: 1 },
  ]);
  for (let k = 0; k < 128; k++) {
    if (k !== 12 && k !== 106) assertSameF32(table[k] ?? NaN, golden[k] ?? NaN, `f_${k}`);
  }
  // The table is discriminating: Math.fround(Math.exp) itself is off in those 2 entries, and
  // SLEEF's expf_u10 (Vectorized<float>::exp) in 17, so neither is the exp torch ran.
  const naive = new Float32Array(128);
  const scale = Math.fround(-Math.log(10000));
  for (let k = 0; k < 128; k++) naive[k] = Math.fround(Math.exp(Math.fround(Math.fround(scale * k) / 128)));
  assert.deepEqual(
    mismatches(naive, golden).map((m) => m.k),
    [12, 106],
  );
  const sleef = mismatches(torchTimestepFreqs(256, 10000, sleefExpF32), golden);
  assert.deepEqual(
    sleef.map((m) => m.k),
    [12, 13, 14, 26, 33, 44, 53, 56, 70, 84, 89, 91, 101, 106, 108, 112, 119],
  );
  assert.ok(sleef.every((m) => Math.abs(m.ulps) === 1));
});

test("torchTimestepFreqs follows dim and maxPeriod", () => {
  const t = torchTimestepFreqs(8, 100);
  assert.equal(t.length, 4);
  const scale = Math.fround(-Math.log(100));
  for (let k = 0; k < 4; k++) assertSameF32(t[k] ?? NaN, torchExpF32(Math.fround(Math.fround(scale * k) / 4)), `k=${k}`);
});
