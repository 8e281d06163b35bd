/**
 * Gradient rules of LayerNormalization (opset 17) and RMSNormalization (opset 23). Both normalise
 * X over the axes [axis, rank) (axis default -1) and multiply by Scale (LayerNormalization then
 * adds the optional B); Scale and B broadcast against those axes. With xhat the normalised X,
 * r = 1/sqrt(stat + eps) and g = dY * Scale, means taken over the normalised axes:
 *   LayerNormalization: dX = r (g - mean(g) - xhat mean(g xhat))
 *   RMSNormalization:   dX = r (g - xhat mean(g xhat))
 *   dScale = sum of dY xhat, dB = sum of dY, each over the axes its operand broadcast along.
 * The statistics are recomputed from X (the nodes have no Mean/InvStdDev outputs to reuse).
 */
import type { Value } from "../../onnx/graph.js";
import { dtypeOfOnnx } from "../../onnx/ir.js";
import { add, cast, mul, reciprocal, reduceMean, sqrt, sub } from "../../onnx/ops/index.js";
import type { DType } from "../../tensor.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { constantLike, sumToShape } from "../values.js";

/** Both ops' epsilon default (ONNX). */
const DEFAULT_EPSILON = 1e-5;
/** How many bits of precision each float dtype has, to compare stash_type with X's dtype. */
const PRECISION: Partial<Record<DType, number>> = { bf16: 8, f16: 11, f32: 24, f64: 53 };

/** The normalised axes [axis, rank) of X. */
function normalizedAxes(q: GradientQuery): number[] {
  const rank = q.input(0).shape.length;
  const axis = q.int("axis", -1);
  const first = axis < 0 ? axis + rank : axis;
  if (first < 0 || first >= rank) q.fail(`axis ${axis} is out of range for rank ${rank}`);
  return Array.from({ length: rank - first }, (_, i) => first + i);
}

/**
 * The dtype the gradient is computed in: stash_type (default float) when it is more precise than
 * X's, as the forward computes its statistics in it; X's own dtype otherwise. (ONNX Runtime's CPU
 * kernels compute float32 and float64 X in their own type whatever stash_type says.)
 */
function computeDtype(q: GradientQuery, x: Value): DType {
  const code = q.int("stash_type", 1);
  const stash = dtypeOfOnnx(code);
  const stashBits = stash ? PRECISION[stash] : undefined;
  if (!stash || stashBits === undefined) q.fail(`stash_type ${code} is not a float type`);
  return stashBits > (PRECISION[x.dtype] ?? 0) ? stash : x.dtype;
}

/** The normalised X and r = 1/sqrt(stat + eps), stat the variance (centred) or the mean square. x: [..., *normalised]. */
export function normalize(x: Value, axes: readonly number[], epsilon: number, centred: boolean): { xhat: Value; invStd: Value } {
  const shifted = centred ? sub(x, reduceMean(x, axes, true)) : x;
  const stat = reduceMean(mul(shifted, shifted), axes, true);
  const invStd = reciprocal(sqrt(add(stat, constantLike(x, epsilon))));
  return { xhat: mul(shifted, invStd), invStd };
}

/** dX from g = dY * Scale (the formulas above). g, xhat: X's shape; invStd: X's shape with the normalised axes 1. */
export function inputGrad(g: Value, xhat: Value, invStd: Value, axes: readonly number[], centred: boolean): Value {
  const projected = sub(g, mul(xhat, reduceMean(mul(g, xhat), axes, true)));
  return mul(invStd, centred ? sub(projected, reduceMean(g, axes, true)) : projected);
}

/** The gradients of X, Scale and (LayerNormalization) B, each only when wanted. X, dY: [..., *normalised]; Scale, B: broadcast against *normalised. */
function normalizationGrad(q: GradientQuery, centred: boolean): (Value | null)[] {
  if (q.gradOrNull(1) || q.gradOrNull(2)) q.fail("gradients through the Mean and InvStdDev outputs are not supported");
  const [x, scale, bias] = [q.input(0), q.input(1), q.optional(2)];
  const dtype = computeDtype(q, x);
  const axes = normalizedAxes(q);
  const dy = cast(q.grad(), dtype);
  // epsilon is a float32 attribute: the forward adds its float32 value
  const epsilon = Math.fround(q.float("epsilon", DEFAULT_EPSILON));
  const { xhat, invStd } = normalize(cast(x, dtype), axes, epsilon, centred);
  const dx = q.wanted(0) ? inputGrad(mul(dy, cast(scale, dtype)), xhat, invStd, axes, centred) : null;
  const dScale = q.wanted(1) ? sumToShape(mul(dy, xhat), scale) : null;
  const dBias = bias && q.wanted(2) ? sumToShape(dy, bias) : null;
  return [dx && cast(dx, x.dtype), dScale && cast(dScale, scale.dtype), dBias && bias && cast(dBias, bias.dtype)];
}

export const NORMALIZATION_GRADIENTS = gradientEntries({
  LayerNormalization: (q) => normalizationGrad(q, true),
  RMSNormalization: (q) => normalizationGrad(q, false),
});
