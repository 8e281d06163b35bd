/**
 * Gradient rules of the activations: Sigmoid, Tanh, GELU (the tanh approximation FLUX uses and
 * the exact erf form) and Softmax along any axis. Each is dL/dx from dL/dy, in x's dtype. SiLU
 * needs no rule of its own: icedit builds it as Mul(x, Sigmoid(x)).
 */
import type { Value } from "../../onnx/graph.js";
import { add, erf, exp, mul, reduceSum, sub, tanh } from "../../onnx/ops/index.js";
import { normAxis } from "../../onnx/shape.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { constantLike } from "../values.js";

/** sqrt(2 / pi) and the cubic coefficient of the tanh approximation of GELU. */
const TANH_GELU_SCALE = Math.sqrt(2 / Math.PI);
const TANH_GELU_CUBIC = 0.044715;

/** y = sigmoid(x): dy/dx = y (1 - y). x, y, dy: same shape. */
function sigmoidGrad(q: GradientQuery): Value[] {
  const y = q.output();
  return [mul(q.grad(), mul(y, sub(constantLike(y, 1), y)))];
}

/** y = tanh(x): dy/dx = 1 - y^2. x, y, dy: same shape. */
function tanhGrad(q: GradientQuery): Value[] {
  const y = q.output();
  return [mul(q.grad(), sub(constantLike(y, 1), mul(y, y)))];
}

/**
 * y = x/2 (1 + tanh(u)), u = c (x + k x^3):
 * dy/dx = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 k x^2), t = tanh(u). x: any shape.
 */
function tanhGeluSlope(x: Value): Value {
  const [c, k] = [constantLike(x, TANH_GELU_SCALE), constantLike(x, TANH_GELU_CUBIC)];
  const [one, half] = [constantLike(x, 1), constantLike(x, 0.5)];
  const xx = mul(x, x);
  const t = tanh(mul(c, add(x, mul(k, mul(xx, x)))));
  const du = mul(c, add(one, mul(constantLike(x, 3 * TANH_GELU_CUBIC), xx)));
  return mul(half, add(add(one, t), mul(mul(x, sub(one, mul(t, t))), du)));
}

/** y = x Phi(x): dy/dx = Phi(x) + x phi(x) = (1 + erf(x / sqrt 2))/2 + x exp(-x^2/2) / sqrt(2 pi). x: any shape. */
function erfGeluSlope(x: Value): Value {
  const cdf = mul(constantLike(x, 0.5), add(constantLike(x, 1), erf(mul(x, constantLike(x, Math.SQRT1_2)))));
  const pdf = mul(constantLike(x, 1 / Math.sqrt(2 * Math.PI)), exp(mul(constantLike(x, -0.5), mul(x, x))));
  return add(cdf, mul(x, pdf));
}

/** GELU (opset 20), both `approximate` forms. x, dy: same shape. */
function geluGrad(q: GradientQuery): Value[] {
  const x = q.input(0);
  const approximate = q.string("approximate", "none");
  if (approximate === "tanh") return [mul(q.grad(), tanhGeluSlope(x))];
  if (approximate === "none") return [mul(q.grad(), erfGeluSlope(x))];
  return q.fail(`approximate must be "tanh" or "none", got "${approximate}"`);
}

/** y = softmax(x) along `axis` (opset 13+, default -1): dx = y (dy - sum(dy y, axis)). x, y, dy: same shape. */
function softmaxGrad(q: GradientQuery): Value[] {
  const y = q.output();
  const dy = q.grad();
  const axis = normAxis(q.int("axis", -1), y.shape.length, "Softmax");
  return [mul(y, sub(dy, reduceSum(mul(dy, y), [axis], true)))];
}

export const ACTIVATION_GRADIENTS = gradientEntries({
  Sigmoid: sigmoidGrad,
  Tanh: tanhGrad,
  Gelu: geluGrad,
  Softmax: softmaxGrad,
});
