/** Small value builders that gradient rules share: zeros and scalars of a value's dtype, sums to an input's shape. */
import { attr, type Value } from "../onnx/graph.js";
import { constI64, reduceSum, reshape, reshapeTo, shapeOf } from "../onnx/ops/index.js";
import { f32ToHalfBits } from "../numeric/float16.js";
import { tensor, type DType, type Tensor } from "../tensor.js";

/** Whether gradients flow through values of this dtype. */
export function isDifferentiable(dtype: DType): boolean {
  return dtype === "f32" || dtype === "f64" || dtype === "f16";
}

export function isStatic(shape: readonly (number | string)[]): shape is readonly number[] {
  return shape.every((d) => typeof d === "number");
}

/** A tensor of a float dtype filled with `value` (f16 as its bit pattern). */
function filled(dtype: DType, dims: readonly number[], value: number): Tensor {
  const t = tensor(dtype, dims);
  if (dtype === "f16") (t.data as Uint16Array).fill(f32ToHalfBits(value));
  else (t.data as Float32Array | Float64Array).fill(value);
  return t;
}

/** A constant of `like`'s dtype holding `value`, shaped `dims` (a scalar by default). */
export function constantLike(like: Value, value: number, dims: readonly number[] = []): Value {
  const t = filled(like.dtype, dims, value);
  return like.graph.constant(t, "grad_const");
}

/** Zeros of `like`'s dtype and shape (its run-time shape when symbolic). */
export function zerosLike(like: Value): Value {
  return filledLike(like, 0);
}

/** `value` everywhere, in `like`'s dtype and shape (its run-time shape when symbolic). */
export function filledLike(like: Value, value: number): Value {
  const g = like.graph;
  const fill = attr.tensor(filled(like.dtype, [1], value));
  const shape = isStatic(like.shape) ? constI64(g, like.shape, [like.shape.length], "shape") : shapeOf(like);
  return g.addNode("ConstantOfShape", [shape], { value: fill }, { declaredShapes: [like.shape] })[0] as Value;
}

/**
 * The gradient of a broadcast operand: `grad` (shaped like the broadcast result) summed over the
 * axes that broadcasting added or stretched, so that it has `input`'s shape.
 */
export function sumToShape(grad: Value, input: Value): Value {
  const [gs, xs] = [grad.shape, input.shape];
  const lead = gs.length - xs.length;
  const axes: number[] = [];
  for (let i = 0; i < gs.length; i++) {
    if (i < lead) axes.push(i);
    else if (xs[i - lead] === 1 && gs[i] !== 1) axes.push(i);
  }
  if (axes.length === 0 && lead === 0) return grad;
  const summed = reduceSum(grad, axes, true);
  if (isStatic(xs)) return reshape(summed, xs);
  return reshapeTo(summed, shapeOf(input), xs);
}
