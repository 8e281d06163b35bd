/** Shape rules of reductions and broadcasting: ReduceSum, ReduceMean (axes a constant input), Expand. */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import { broadcast, normAxis, shapeText } from "../shape.js";
import type { Dim, OutputSpec, Shape } from "../ir.js";
import { checkDeclaredRank } from "./layout.js";

/** Inputs data and constant i64 axes (omitted: every axis); attribute keepdims (default 1). */
function reduce(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const rank = x.shape.length;
  const axesInput = q.optional(1);
  const listed = axesInput ? q.constInts(1) : null;
  if (axesInput && !listed) q.fail("axes must be a constant");
  const axes = new Set((listed ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, rank, q.opType)));
  const keep = q.int("keepdims", 1) === 1;
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.has(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ dtype: x.dtype, shape }];
}

/** Inputs data and a shape vector (constant, or computed with the result declared): numpy broadcasting. */
function expand(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  q.expectDtype(q.input(1, "shape"), ["i64"], "shape");
  const target = q.constInts(1);
  if (target) return [{ dtype: x.dtype, shape: broadcast(x.shape, target, q.opType) }];
  const [shape] = q.declared("the target shape is computed", 1) as [Shape];
  checkDeclaredRank(q, shape, 1);
  if (shape.length < x.shape.length) q.fail(`the declared shape ${shapeText(shape)} has fewer axes than ${shapeText(x.shape)}`);
  return [{ dtype: x.dtype, shape }];
}

export const REDUCE_OPS: readonly OpSchema[] = opSchemas({
  ReduceSum: reduce,
  ReduceMean: reduce,
  Expand: expand,
});
