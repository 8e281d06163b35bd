/** A loop's micro-batch as training-step inputs: image ids on the latent grid, zero text ids. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "../../../src/errors.js";
import { trainingInputsOf } from "../../../src/train/step/batch-inputs.js";
import { randT } from "../../onnx/helpers.js";

test("trainingInputsOf: (0, row, col) ids in row-major token order, zero text ids, t as a [B] tensor; a wrong grid is refused", () => {
  const batch = {
    x0: randT([2, 6, 4], 1),
    imgCond: randT([2, 6, 3], 2),
    txt: randT([2, 5, 7], 3),
    y: randT([2, 8], 4),
    t: new Float32Array([0.1, 0.9]),
    noise: randT([2, 6, 4], 5),
  };
  const inputs = trainingInputsOf(batch, { rows: 2, cols: 3 });
  assert.deepEqual(inputs.imgIds.dims, [2, 6, 3]);
  assert.deepEqual(Array.from(inputs.imgIds.data.subarray(3 * 4, 3 * 5)), [0, 1, 1]);
  assert.deepEqual(Array.from(inputs.imgIds.data.subarray(6 * 3 + 3 * 5, 6 * 3 + 3 * 6)), [0, 1, 2]);
  assert.deepEqual(inputs.txtIds.dims, [2, 5, 3]);
  assert.ok(inputs.txtIds.data.every((v) => v === 0));
  assert.deepEqual(Array.from(inputs.t.data), [Math.fround(0.1), Math.fround(0.9)]);
  assert.throws(() => trainingInputsOf(batch, { rows: 3, cols: 3 }), InvalidArgumentError);
});
