/**
 * The gradient rule of Cast. Between float types the gradient is cast back to the input's type;
 * a cast from or to an integer type is piecewise constant and carries no gradient.
 */
import type { Value } from "../../onnx/graph.js";
import { cast } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { isDifferentiable } from "../values.js";

/** y = cast(x): dx = cast(dy) back to x's dtype. x, y, dy: same shape. */
function castGrad(q: GradientQuery): (Value | null)[] {
  const [x, y] = [q.input(0), q.output()];
  if (!isDifferentiable(x.dtype) || !isDifferentiable(y.dtype)) return [null];
  return [cast(q.grad(), x.dtype)];
}

export const CAST_GRADIENTS = gradientEntries({ Cast: castGrad });
