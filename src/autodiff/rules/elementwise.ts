/**
 * Gradient rules of element-wise arithmetic (numpy broadcasting: each operand's gradient is
 * summed back to its own shape) and of the reductions.
 */
import type { Value } from "../../onnx/graph.js";
import { div, expandTo, mul, neg, reduceSum, shapeOf, unsqueeze } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { filledLike, sumToShape } from "../values.js";

/** The gradients of a binary op's operands from dL/dy-shaped expressions, each summed to its operand's shape. */
function binary(q: GradientQuery, da: () => Value, db: () => Value): (Value | null)[] {
  return [q.wanted(0) ? sumToShape(da(), q.input(0)) : null, q.wanted(1) ? sumToShape(db(), q.input(1)) : null];
}

/** The axes a ReduceSum/ReduceMean node reduced (all of them when its axes input is omitted). */
function reducedAxes(q: GradientQuery): number[] {
  const rank = q.input(0).shape.length;
  if (!q.optional(1)) return Array.from({ length: rank }, (_, i) => i);
  const axes = q.constInts(1);
  if (!axes) q.fail("the reduced axes must be a constant");
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

/** dy broadcast back to x's shape over the reduced axes. */
function spreadBack(q: GradientQuery): Value {
  const x = q.input(0);
  let dy = q.grad();
  if (q.int("keepdims", 1) === 0 && dy.shape.length < x.shape.length) dy = unsqueeze(dy, reducedAxes(q));
  return expandTo(dy, shapeOf(x), x.shape);
}

/** The number of elements of `v`, as a scalar of its dtype (summed at run time when the shape is symbolic). */
function countOf(v: Value): Value {
  return reduceSum(filledLike(v, 1), null, false);
}

export const ELEMENTWISE_GRADIENTS = gradientEntries({
  Identity: (q) => [q.grad()],
  Add: (q) =>
    binary(
      q,
      () => q.grad(),
      () => q.grad(),
    ),
  Sub: (q) =>
    binary(
      q,
      () => q.grad(),
      () => neg(q.grad()),
    ),
  Mul: (q) =>
    binary(
      q,
      () => mul(q.grad(), q.input(1)),
      () => mul(q.grad(), q.input(0)),
    ),
  // d(a/b)/db = -(a/b)/b
  Div: (q) =>
    binary(
      q,
      () => div(q.grad(), q.input(1)),
      () => neg(div(mul(q.grad(), q.output()), q.input(1))),
    ),
  Neg: (q) => [neg(q.grad())],
  ReduceSum: (q) => [spreadBack(q), null],
  // mean = sum / n with n = size(x) / size(y)
  ReduceMean: (q) => [div(mul(spreadBack(q), countOf(q.output())), countOf(q.input(0))), null],
});
