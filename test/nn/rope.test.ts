/** ropeTables: cos/sin of pos_a * theta^(-2j/d_a) per position and pair, axes side by side. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { ropeTables } from "../../src/nn/rope.js";
import { assertClose } from "../onnx/helpers.js";

describe("ropeTables", () => {
  test("two positions over axes [2, 4] with theta 100: three pairs per position", () => {
    const ids = Float32Array.of(0, 3, 2, 5);
    const t = ropeTables(ids, [2, 4], 100);
    assert.deepEqual([t.positions, t.pairs], [2, 3]);
    // Axis 0 (d 2): one pair of frequency 1; axis 1 (d 4): frequencies 1 and 100^(-1/2) = 0.1.
    const angles = [0 * 1, 3 * 1, 3 * 0.1, 2 * 1, 5 * 1, 5 * 0.1];
    assertClose(t.cos, angles.map(Math.cos), "cos", { rtol: 0, atol: 1e-7 });
    assertClose(t.sin, angles.map(Math.sin), "sin", { rtol: 0, atol: 1e-7 });
  });

  test("odd axis sizes and ids that do not fill the axes are refused", () => {
    assert.throws(() => ropeTables(Float32Array.of(1, 2), [3, 2], 10000), InvalidArgumentError);
    assert.throws(() => ropeTables(Float32Array.of(1, 2, 3), [2, 2], 10000), InvalidArgumentError);
  });
});
