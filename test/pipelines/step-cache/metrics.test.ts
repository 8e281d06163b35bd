import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { relativeL1, TEACACHE_FLUX_COEFFICIENTS, teacacheRescale } from "../../../src/pipelines/step-cache/metrics.js";

describe("step cache metrics", () => {
  it("TeaCache's FLUX rescale is 498.651651 x^4 - 283.781631 x^3 + 55.8554382 x^2 - 3.82021401 x + 0.264230861", () => {
    const closed = (x: number): number => 498.651651 * x ** 4 - 283.781631 * x ** 3 + 55.8554382 * x ** 2 - 3.82021401 * x + 0.264230861;
    assert.deepEqual(TEACACHE_FLUX_COEFFICIENTS, [498.651651, -283.781631, 55.8554382, -3.82021401, 0.264230861]);
    for (const x of [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1]) {
      const got = teacacheRescale(x);
      assert.ok(Math.abs(got - closed(x)) <= 1e-12 * Math.max(1, Math.abs(closed(x))), `x = ${x}: ${got} vs ${closed(x)}`);
    }
    assert.equal(teacacheRescale(0), 0.264230861);
    assert.equal(teacacheRescale(2, [1, 0, -1]), 3, "other coefficients, highest power first: x^2 - 1");
  });

  it("relative L1: mean |a - b| / mean |b|, one sample of a batch at an offset", () => {
    const previous = Float32Array.from([1, -2, 3, -4]);
    assert.equal(relativeL1(Float32Array.from([1, -2, 3, -4]), previous), 0);
    // |0.5| + |1| + 0 + |2| = 3.5 over 1 + 2 + 3 + 4 = 10
    assert.ok(Math.abs(relativeL1(Float32Array.from([1.5, -1, 3, -6]), previous) - 0.35) < 1e-12);
    const batch = Float32Array.from([9, 9, 9, 9, 2, -4, 6, -8]);
    assert.ok(Math.abs(relativeL1(batch, previous, 4) - 1) < 1e-12, "the second sample: twice previous, change = previous");
    assert.equal(relativeL1(Float32Array.from([1, 1]), new Float32Array(2)), Number.POSITIVE_INFINITY);
  });
});
