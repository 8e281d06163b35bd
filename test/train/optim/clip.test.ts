import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clipGradNorm, totalGradNorm } from "../../../src/train/optim/clip.js";
import { HyperParameterError, NonFiniteGradientError } from "../../../src/train/optim/errors.js";
import { assertClose, bytes, f32Map } from "./helpers.js";

describe("clipGradNorm", () => {
  test("one L2 norm over all tensors together", () => {
    assert.equal(totalGradNorm(f32Map({ a: [3, 0], b: [0, 4], c: [] })), 5);
  });

  test("scales every tensor by max_norm / (total + 1e-6), by the total norm, not each tensor's own", () => {
    const grads = f32Map({ big: [3, 4], small: [0, 0.5] });
    const total = Math.sqrt(25 + 0.25);
    assert.equal(clipGradNorm(grads, 1), total);
    const coef = 1 / (total + 1e-6);
    assertClose(grads.get("big")!.data, [3 * coef, 4 * coef], 1e-7, 0, "big");
    // clipping each tensor on its own would leave `small` (norm 0.5 < 1) untouched
    assertClose(grads.get("small")!.data, [0, 0.5 * coef], 1e-7, 0, "small");
    assert.ok(Math.abs(totalGradNorm(grads) - 1) < 1e-6);
  });

  test("below max_norm nothing changes (coefficient clamped at 1), and the norm is still returned", () => {
    const grads = f32Map({ a: [0.1, -0.2], b: [0.3] });
    const before = bytes(grads);
    const total = clipGradNorm(grads, 10);
    assertClose([total], [Math.sqrt(0.01 + 0.04 + 0.09)], 1e-7, 0, "total");
    assert.ok(bytes(grads).equals(before));
  });

  test("a norm just above max_norm is scaled to max_norm·total/(total + 1e-6)", () => {
    const grads = f32Map({ a: [0.5] });
    clipGradNorm(grads, 0.25);
    assertClose(grads.get("a")!.data, [(0.5 * 0.25) / (0.5 + 1e-6)], 1e-7, 0, "a");
  });

  test("refuses a non-finite gradient (naming it) and a bad max_norm, changing nothing", () => {
    const grads = f32Map({ good: [10], bad: [1, NaN] });
    assert.throws(
      () => clipGradNorm(grads, 1),
      (e: unknown) => e instanceof NonFiniteGradientError && /gradient of bad is not finite/.test(e.message),
    );
    assert.equal(grads.get("good")!.data[0], 10);
    assert.throws(() => clipGradNorm(f32Map({ a: [1] }), 0), HyperParameterError);
    assert.throws(() => clipGradNorm(f32Map({ a: [1] }), Infinity), /max_norm/);
  });
});
