/**
 * Gradient rules of the spatial ops the VAE uses, on [N, C, *spatial]:
 *   Conv (conv.ts);
 *   InstanceNormalization: LayerNormalization's maths over the spatial axes of each (n, c), with a
 *     per-channel Scale and B: dX = r (g - mean(g) - xhat mean(g xhat)), g = dY * Scale[c];
 *     dScale = sum of dY xhat and dB = sum of dY over batch and space;
 *   Resize (nearest, asymmetric, floor, positive integer scales): each input element was copied
 *     to a block of s_1 x s_2 x ... outputs, so its gradient is the sum of dY over that block;
 *   Pad (constant mode, non-negative constant pads): dX is dY cut back to X's region, and the pad
 *     value's gradient is the sum of dY over the padding.
 */
import type { Dim, Value } from "../../onnx/graph.js";
import { concat, constI64, mul, reduceSum, reshape, shapeOf, sliceFromStarts, sliceToEnds, sub, unsqueeze } from "../../onnx/ops/index.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { convGrad } from "./conv.js";
import { inputGrad, normalize } from "./normalization.js";

/** InstanceNormalization's epsilon default (ONNX). */
const DEFAULT_EPSILON = 1e-5;

/** The axes of x [N, C, *spatial] other than C. */
function nonChannelAxes(x: Value): number[] {
  return [0, ...Array.from({ length: x.shape.length - 2 }, (_, i) => i + 2)];
}

/** X [N, C, *spatial], Scale [C], B [C]. */
function instanceNormGrad(q: GradientQuery): (Value | null)[] {
  const [x, scale, bias] = [q.input(0), q.input(1), q.input(2)];
  const rank = x.shape.length;
  if (rank < 3) q.fail(`X must be [N, C, *spatial], got rank ${rank}`);
  const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const dy = q.grad();
  // epsilon is a float32 attribute: the forward adds its float32 value
  const { xhat, invStd } = normalize(x, spatial, Math.fround(q.float("epsilon", DEFAULT_EPSILON)), true);
  const perChannel = (v: Value): Value =>
    unsqueeze(
      v,
      spatial.map((_, i) => i + 1),
    ); // [C] -> [C, 1, ...]
  const reduced = nonChannelAxes(x);
  return [
    q.wanted(0) ? inputGrad(mul(dy, perChannel(scale)), xhat, invStd, spatial, true) : null,
    q.wanted(1) ? reduceSum(mul(dy, xhat), reduced, false) : null,
    q.wanted(2) ? reshape(reduceSum(dy, reduced, false), [bias.shape[0] as number]) : null,
  ];
}

/** The float values of a constant input (Resize's scales), or null. */
function constFloats(q: GradientQuery, i: number): number[] | null {
  const value = q.optional(i);
  if (!value) return null;
  const init = value.graph.initializers.get(value.name);
  if (!init || init.value !== value || init.data.kind !== "inline") return null;
  const t = init.data.tensor;
  if (t.dtype !== "f32" && t.dtype !== "f64") return null;
  return Array.from(t.data as ArrayLike<number>);
}

/** X [d_0, ..., d_r-1] upsampled by integer scales s_a to [s_0 d_0, ...]: dX sums dY over each s_0 x ... block. */
function resizeGrad(q: GradientQuery): (Value | null)[] {
  const x = q.input(0);
  const mode = [q.string("mode", "nearest"), q.string("coordinate_transformation_mode", "half_pixel"), q.string("nearest_mode", "")];
  if (mode.join() !== "nearest,asymmetric,floor") {
    q.fail(`only mode nearest, asymmetric coordinates and floor rounding are supported, got [${mode}]`);
  }
  if (q.optional(3)) q.fail("sizes are not supported: give constant integer scales");
  const scales = constFloats(q, 2);
  if (!scales || scales.length !== x.shape.length || scales.some((s) => !Number.isInteger(s) || s < 1)) {
    q.fail(`the scales must be constant positive integers, one per axis, got [${scales}]`);
  }
  const g = x.graph;
  // dY [.., s_a d_a, ..] -> [.., d_a, s_a, ..], then summed over every s_a axis.
  const pieces = x.shape.flatMap((_, a) => [shapeOf(x, a, a + 1), constI64(g, [scales[a] as number], [1], "scale")]);
  const dims = x.shape.flatMap((d, a): Dim[] => [d, scales[a] as number]);
  const blocks = g.addNode("Reshape", [q.grad(), concat(pieces, 0)], {}, { declaredShapes: [dims] })[0] as Value;
  return [
    reduceSum(
      blocks,
      x.shape.map((_, a) => 2 * a + 1),
      false,
    ),
    null,
    null,
    null,
  ];
}

/** X [d_0, ...] padded by constant pads [b_0, ..., e_0, ...] to [b_a + d_a + e_a, ...]. */
function padGrad(q: GradientQuery): (Value | null)[] {
  const x = q.input(0);
  if (q.string("mode", "constant") !== "constant") q.fail(`mode ${q.string("mode", "constant")} is not supported (only constant)`);
  if (q.optional(3)) q.fail("the axes input is not supported: give pads for every axis");
  const pads = q.constInts(1);
  const rank = x.shape.length;
  if (!pads || pads.length !== 2 * rank || pads.some((p) => p < 0)) q.fail(`the pads must be constant and non-negative, got [${pads}]`);
  const dy = q.grad();
  const axes = x.shape.map((_, a) => a);
  const begins = pads.slice(0, rank);
  const tails = dy.shape.map((d, a) => (typeof d === "number" ? d - (begins[a] as number) : `${d}-${begins[a]}`));
  const from = sliceFromStarts(dy, axes, constI64(x.graph, begins, [rank], "pad_begins"), tails);
  const dx = sliceToEnds(from, axes, shapeOf(x), x.shape);
  const value = q.optional(2);
  const dValue = value && q.wanted(2) ? sub(reduceSum(dy, null, false), reduceSum(dx, null, false)) : null;
  return [q.wanted(0) ? dx : null, null, value && dValue ? reshape(dValue, value.shape as number[]) : null, null];
}

export const SPATIAL_GRADIENTS = gradientEntries({
  Conv: convGrad,
  InstanceNormalization: instanceNormGrad,
  Resize: resizeGrad,
  Pad: padGrad,
});
