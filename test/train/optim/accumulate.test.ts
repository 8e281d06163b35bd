import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GradientAccumulator } from "../../../src/train/optim/accumulate.js";
import { GradientMismatchError, HyperParameterError, OptimizerError } from "../../../src/train/optim/errors.js";
import { assertClose, f32Map } from "./helpers.js";

describe("GradientAccumulator", () => {
  test("gives the mean of the micro-batch gradients, as Lightning's loss / accumulate_grad_batches does", () => {
    // loss_i = ½ (w - x_i)², gradient w - x_i; the gradient of the mean loss over the micro-batches is w - mean(x)
    const w = 2;
    const xs = [1, 4, -3];
    const acc = new GradientAccumulator(3);
    for (const x of xs) {
      assert.equal(acc.ready, false);
      acc.add(f32Map({ w: [w - x, 1] }));
    }
    assert.equal(acc.ready, true);
    assert.equal(acc.count, 3);
    const g = acc.take();
    assert.equal(g.get("w")!.dtype, "f64");
    assertClose(g.get("w")!.data, [w - (1 + 4 - 3) / 3, 1], 1e-15, 0, "w");
    assert.equal(acc.count, 0);
  });

  test("leftover micro-batches at the end of an epoch are still divided by accumulate_grad_batches", () => {
    const acc = new GradientAccumulator(4);
    acc.add(f32Map({ w: [8] }));
    acc.add(f32Map({ w: [4] }));
    assert.equal(acc.ready, false);
    assert.deepEqual([...acc.take().get("w")!.data], [3]);
  });

  test("refuses bad counts, changed names or shapes, non-finite values, adding past ready and taking nothing", () => {
    assert.throws(() => new GradientAccumulator(0), HyperParameterError);
    assert.throws(() => new GradientAccumulator(1.5), /accumulate_grad_batches/);
    const acc = new GradientAccumulator(2);
    assert.throws(() => acc.take(), GradientMismatchError);
    acc.add(f32Map({ w: [1, 2] }));
    assert.throws(() => acc.add(f32Map({ v: [1, 2] })), GradientMismatchError);
    assert.throws(() => acc.add(f32Map({ w: [1] })), /shape \[1\]/);
    assert.throws(() => acc.add(f32Map({ w: [1, NaN] })), /gradient of w is not finite/);
    assert.equal(acc.count, 1);
    acc.add(f32Map({ w: [3, 4] }));
    assert.throws(() => acc.add(f32Map({ w: [1, 2] })), OptimizerError);
    assert.deepEqual([...acc.take().get("w")!.data], [2, 3]);
  });
});
