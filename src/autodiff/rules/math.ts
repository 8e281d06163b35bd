/**
 * Gradient rules of the elementary functions: Exp, Sqrt, Reciprocal, Cos, Sin, and Pow with an
 * exponent that is not differentiated (a constant, as in x^2). Each is dL/dx from dL/dy, in x's dtype.
 */
import type { Value } from "../../onnx/graph.js";
import { cos, div, mul, neg, pow, sin, sub } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { constantLike, sumToShape } from "../values.js";

/** y = x^p, p not differentiated: dx = dy p x^(p-1), summed back to x's shape when p broadcasts it. */
function powGrad(q: GradientQuery): (Value | null)[] {
  if (q.wanted(1)) {
    q.fail(
      `the exponent ${q.input(1).name} depends on a differentiated value; only the base has a gradient (make the exponent a constant)`,
    );
  }
  const [x, p] = [q.input(0), q.input(1)];
  const slope = mul(p, pow(x, sub(p, constantLike(p, 1))));
  return [sumToShape(mul(q.grad(), slope), x), null];
}

export const MATH_GRADIENTS = gradientEntries({
  // y = e^x: dx = dy y
  Exp: (q) => [mul(q.grad(), q.output())],
  // y = sqrt(x): dx = dy / (2 y)
  Sqrt: (q) => [div(q.grad(), mul(constantLike(q.output(), 2), q.output()))],
  // y = 1/x: dx = -dy y^2
  Reciprocal: (q) => [neg(mul(q.grad(), mul(q.output(), q.output())))],
  // y = cos(x): dx = -dy sin(x)
  Cos: (q) => [neg(mul(q.grad(), sin(q.input(0))))],
  // y = sin(x): dx = dy cos(x)
  Sin: (q) => [mul(q.grad(), cos(q.input(0)))],
  Pow: powGrad,
});
