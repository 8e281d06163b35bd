/**
 * Gradient rules of the ops that move data without arithmetic: the gradient moves back the same
 * way (reshaped, transposed back, split where the forward concatenated, concatenated where it
 * split, summed where it broadcast). Slice's rule is in slice.ts. Symbolic dims take their sizes
 * from the forward values at run time (Shape), so the rules hold for any batch or token count.
 */
import type { Dim, Value } from "../../onnx/graph.js";
import { concat, reshape, reshapeTo, shapeOf, split, splitLike, squeeze, transpose, unsqueeze } from "../../onnx/ops/index.js";
import { normAxis } from "../../onnx/shape.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { isStatic, sumToShape } from "../values.js";

/** Whether two tracked shapes are the same dims. */
function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * v (as many elements as x) reshaped to x's shape: a constant target when x's shape is static,
 * x's run-time shape otherwise. Returns v itself when its tracked shape already is x's.
 */
export function reshapeLike(v: Value, x: Value): Value {
  if (sameDims(v.shape, x.shape)) return v;
  // A constant 0 would copy v's dim, not mean an empty axis: empty axes take the run-time path.
  if (isStatic(x.shape) && !x.shape.includes(0)) return reshape(v, x.shape);
  return reshapeTo(v, shapeOf(x), x.shape);
}

/** perm^-1: inverse[perm[i]] = i. */
function inversePerm(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return inverse;
}

/** Transpose (perm, default: the axes reversed): dy transposed back by the inverse permutation. */
function transposeGrad(q: GradientQuery): (Value | null)[] {
  const rank = q.input(0).shape.length;
  const perm = q.ints("perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  return [transpose(q.grad(), inversePerm(perm))];
}

/** Concat along axis a: dy [..., sum_i n_i, ...] split back into the inputs' lengths n_i (run-time lengths when symbolic). */
function concatGrad(q: GradientQuery): (Value | null)[] {
  const inputs = q.node.inputs.map((_, i) => q.input(i));
  const a = normAxis(q.int("axis", 0), q.output().shape.length, "Concat");
  const sizes = inputs.map((v) => v.shape[a] as Dim);
  const pieces = isStatic(sizes) ? split(q.grad(), sizes, a) : splitLike(q.grad(), a, inputs);
  return pieces.map((piece, i) => (q.wanted(i) ? reshapeLike(piece, inputs[i] as Value) : null));
}

/** Split along axis a (constant or run-time sizes): the outputs' gradients concatenated back, zeros for outputs no gradient reaches. */
function splitGrad(q: GradientQuery): (Value | null)[] {
  const x = q.input(0);
  const a = normAxis(q.int("axis", 0), x.shape.length, "Split");
  const grads = q.node.outputs.map((_, i) => q.grad(i));
  const whole = grads.length === 1 ? (grads[0] as Value) : concat(grads, a);
  return [reshapeLike(whole, x), null];
}

/** Unsqueeze by constant axes: dy squeezed on the same axes (x's run-time shape if the axes are computed). */
function unsqueezeGrad(q: GradientQuery): (Value | null)[] {
  const axes = q.constInts(1);
  return [axes ? reshapeLike(squeeze(q.grad(), axes), q.input(0)) : reshapeLike(q.grad(), q.input(0)), null];
}

/** Squeeze by constant axes: dy unsqueezed on the same axes of x (x's shape when the axes are omitted or computed). */
function squeezeGrad(q: GradientQuery): (Value | null)[] {
  const x = q.input(0);
  const axes = q.optional(1) ? q.constInts(1) : null;
  if (!axes) return [reshapeLike(q.grad(), x), null];
  return [
    reshapeLike(
      unsqueeze(
        q.grad(),
        axes.map((a) => normAxis(a, x.shape.length, "Squeeze")),
      ),
      x,
    ),
    null,
  ];
}

export const LAYOUT_GRADIENTS = gradientEntries({
  // Reshape (constant target with 0 / -1 entries, or a computed one): dx = Reshape(dy, Shape(x)).
  Reshape: (q) => [reshapeLike(q.grad(), q.input(0)), null],
  Transpose: transposeGrad,
  Concat: concatGrad,
  Split: splitGrad,
  Unsqueeze: unsqueezeGrad,
  Squeeze: squeezeGrad,
  // Expand broadcasts like a binary op: the gradient sums over the axes it added or stretched.
  Expand: (q) => [sumToShape(q.grad(), q.input(0)), null],
});
