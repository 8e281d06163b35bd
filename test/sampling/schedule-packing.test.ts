import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getDiffusersSchedule, getSchedule, linspaceF32, scheduleMu } from "../../src/sampling/schedule.js";
import { concatTokens, packLatents, packMask, unpackLatents, unshuffleMask } from "../../src/sampling/packing.js";
import { estimateX0, eulerStep, firstNonFinite } from "../../src/sampling/euler.js";
import { tensor } from "../../src/tensor.js";
import { InvalidArgumentError } from "../../src/errors.js";

describe("schedule", () => {
  it("puts mu on the line through (256, 0.5) and (4096, 1.15), unclamped", () => {
    assert.ok(Math.abs(scheduleMu(256) - 0.5) < 1e-12);
    assert.ok(Math.abs(scheduleMu(4096) - 1.15) < 1e-12);
    assert.ok(Math.abs(scheduleMu(7854) - 1.7861) < 1e-3);
  });

  it("without shift is linspace(1, 0, n + 1)", () => {
    assert.deepEqual([...getSchedule(4, 100, { shift: false })], [1, 0.75, 0.5, 0.25, 0]);
    assert.deepEqual([...linspaceF32(0, 1, 5)], [0, 0.25, 0.5, 0.75, 1]);
  });

  it("shifts t by exp(mu) / (exp(mu) + 1/t - 1), from 1 to 0", () => {
    const s = getSchedule(28, 4096);
    assert.equal(s.length, 29);
    assert.equal(s[0], 1);
    assert.equal(s[28], 0);
    const e = Math.exp(1.15);
    const t = 1 - 1 / 28;
    assert.ok(Math.abs((s[1] ?? 0) - e / (e + 1 / t - 1)) < 1e-6);
    for (let i = 1; i < s.length; i++) assert.ok((s[i] ?? 0) < (s[i - 1] ?? 0));
    // the 1024x1024 example of docs/flux-fill.md §4.1: 1.0, 0.99358, 0.98698, ... for 50 steps
    const fifty = getSchedule(50, 4096);
    assert.ok(Math.abs((fifty[1] ?? 0) - 0.99358) < 1e-5);
    assert.ok(Math.abs((fifty[2] ?? 0) - 0.98698) < 1e-5);
  });

  it("diffusers' float64 variant equals BFL's to float rounding", () => {
    for (const [n, l] of [
      [28, 2048],
      [50, 4096],
      [4, 24],
    ] as const) {
      const a = getSchedule(n, l);
      const b = getDiffusersSchedule(n, l);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] ?? 0) - (b[i] ?? 0)) < 3e-7, `n=${n} i=${i}`);
    }
  });

  it("refuses zero steps", () => {
    assert.throws(() => getSchedule(0, 16), InvalidArgumentError);
    assert.throws(() => getDiffusersSchedule(0, 16), /at least 1/);
  });
});

describe("packing", () => {
  it("puts each 2x2 patch in one token with channel c*4 + py*2 + px", () => {
    // latent [1, 2, 2, 4]: value = 1000 c + 10 y + x
    const data = new Float32Array(16);
    for (let c = 0; c < 2; c++) for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) data[c * 8 + y * 4 + x] = 1000 * c + 10 * y + x;
    const packed = packLatents(tensor("f32", [1, 2, 2, 4], data));
    assert.deepEqual(packed.dims, [1, 2, 8]);
    assert.deepEqual([...packed.data.subarray(0, 8)], [0, 1, 10, 11, 1000, 1001, 1010, 1011]);
    assert.deepEqual([...packed.data.subarray(8)], [2, 3, 12, 13, 1002, 1003, 1012, 1013]);
    assert.deepEqual(unpackLatents(packed, 2, 4), tensor("f32", [1, 2, 2, 4], data));
  });

  it("unshuffles the mask 8x8 with channel dy*8 + dx, then packs it to 256 channels", () => {
    const mask = new Float32Array(16 * 16);
    mask[3 * 16 + 13] = 1; // y = 3, x = 13: cell (0, 1), dy 3, dx 5
    const u = unshuffleMask(tensor("f32", [1, 16, 16], mask));
    assert.deepEqual(u.dims, [1, 64, 2, 2]);
    assert.equal(u.data[(3 * 8 + 5) * 4 + 0 * 2 + 1], 1);
    assert.equal(
      u.data.reduce((s, v) => s + v, 0),
      1,
    );
    const p = packMask(tensor("f32", [1, 16, 16], mask));
    assert.deepEqual(p.dims, [1, 1, 256]);
    // token 0 covers the 2x2 latent cells; cell (row 0, col 1) is px = 1
    assert.equal(p.data[(3 * 8 + 5) * 4 + 1], 1);
  });

  it("concatenates token features", () => {
    const a = tensor("f32", [1, 2, 1], Float32Array.of(1, 2));
    const b = tensor("f32", [1, 2, 2], Float32Array.of(3, 4, 5, 6));
    assert.deepEqual([...concatTokens([a, b]).data], [1, 3, 4, 2, 5, 6]);
  });

  it("refuses odd latent sizes", () => {
    assert.throws(() => packLatents(tensor("f32", [1, 1, 3, 4])), /even/);
    assert.throws(() => unpackLatents(tensor("f32", [1, 2, 8]), 4, 4), /does not fit/);
  });
});

describe("Euler step and x0", () => {
  it("steps x + (t_prev - t_curr) v", () => {
    const x = tensor("f32", [2], Float32Array.of(1, -2));
    const v = tensor("f32", [2], Float32Array.of(4, 8));
    assert.deepEqual([...eulerStep(x, v, 0.75, 0.5).data], [0, -4]);
  });

  it("recovers x0 from x_t = t noise + (1 - t) x0 and v = noise - x0", () => {
    const x0 = Float32Array.of(0.5, -0.25, 2);
    const noise = Float32Array.of(1, 1.5, -1);
    const t = 0.375;
    const xt = x0.map((v, i) => t * (noise[i] ?? 0) + (1 - t) * v);
    const vel = x0.map((v, i) => (noise[i] ?? 0) - v);
    const est = estimateX0(tensor("f32", [3], xt), tensor("f32", [3], vel), t);
    est.data.forEach((v, i) => assert.ok(Math.abs(v - (x0[i] ?? 0)) < 1e-6));
  });

  it("finds the first non-finite value", () => {
    assert.equal(firstNonFinite(Float32Array.of(1, 2, NaN, Infinity)), 2);
    assert.equal(firstNonFinite(Float32Array.of(1, 2)), -1);
  });
});
