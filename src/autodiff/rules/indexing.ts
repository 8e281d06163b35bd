/**
 * Gradient rules of the ops that pick and place values by index: what was read at an index
 * sends its gradient back to that index (scatter-add, so repeated indices add up); what was
 * written gets the gradient of the place it was written to. Indices get no gradient.
 */
import type { Value } from "../../onnx/graph.js";
import { concat, constI64, expandTo, gatherElements, reshape, reshapeTo, scatterElements, shapeOf } from "../../onnx/ops/index.js";
import { normAxis, product } from "../../onnx/shape.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";
import { isStatic, zerosLike } from "../values.js";

/**
 * Gather along axis a, data D [D_0..D_{n-1}], indices I (any rank r, scalar included):
 * dy [D[:a], I..., D[a+1:]] is flattened to [D[:a], M, D[a+1:]] with M = |I|, the indices to
 * [1.., M, 1..] broadcast to it, and both scatter-added into zeros shaped like D along a.
 * (ScatterElements takes one index per element of dy; icedit gathers small tables, adapter scales.)
 */
function gatherGrad(q: GradientQuery): (Value | null)[] {
  const [data, indices] = [q.input(0), q.input(1)];
  const dy = q.grad();
  const g = data.graph;
  const n = data.shape.length;
  const r = indices.shape.length;
  const a = normAxis(q.int("axis", 0), n, "Gather");
  const flatDims = [...data.shape.slice(0, a), product(indices.shape), ...data.shape.slice(a + 1)];
  let updates = dy;
  if (r !== 1) {
    const pieces = [constI64(g, [r === 0 ? 1 : -1], [1], "gathered")];
    if (a > 0) pieces.unshift(shapeOf(dy, 0, a));
    if (a + r < dy.shape.length) pieces.push(shapeOf(dy, a + r));
    updates = isStatic(flatDims) ? reshape(dy, flatDims) : reshapeTo(dy, concat(pieces, 0), flatDims);
  }
  const ones = (k: number): number[] => new Array<number>(k).fill(1);
  const lined = reshape(indices, [...ones(a), -1, ...ones(n - a - 1)]);
  const target = isStatic(updates.shape) ? constI64(g, updates.shape, [n], "shape") : shapeOf(updates);
  const spread = expandTo(lined, target, updates.shape);
  return [scatterElements(zerosLike(data), spread, updates, a, "add"), null];
}

/** TopK along axis a: the values' gradient written into zeros of x's shape at the indices (torch's rule); k and the indices get none. */
function topKGrad(q: GradientQuery): (Value | null)[] {
  const x = q.input(0);
  const a = normAxis(q.int("axis", -1), x.shape.length, "TopK");
  return [scatterElements(zerosLike(x), q.output(1), q.grad(0), a), null];
}

/**
 * ScatterElements along axis a: reduction "none": data's gradient is dy with the written places
 * zeroed (their old values were overwritten); reduction "add": dy itself. The updates' gradient is
 * dy read at the places they went to (GatherElements).
 */
function scatterElementsGrad(q: GradientQuery): (Value | null)[] {
  const [data, indices] = [q.input(0), q.input(1)];
  const a = normAxis(q.int("axis", 0), data.shape.length, "ScatterElements");
  const reduction = q.string("reduction", "none");
  if (reduction !== "none" && reduction !== "add") q.fail(`reduction "${reduction}" is not differentiable here (only "none" and "add")`);
  const dy = q.grad();
  const dData = q.wanted(0) ? (reduction === "add" ? dy : scatterElements(dy, indices, zerosLike(q.input(2)), a)) : null;
  const dUpdates = q.wanted(2) ? gatherElements(dy, indices, a) : null;
  return [dData, null, dUpdates];
}

/** GatherElements along axis a: dy scatter-added into zeros of data's shape at the indices. */
function gatherElementsGrad(q: GradientQuery): (Value | null)[] {
  const data = q.input(0);
  const a = normAxis(q.int("axis", 0), data.shape.length, "GatherElements");
  return [scatterElements(zerosLike(data), q.input(1), q.grad(), a, "add"), null];
}

export const INDEXING_GRADIENTS = gradientEntries({
  Gather: gatherGrad,
  TopK: topKGrad,
  ScatterElements: scatterElementsGrad,
  GatherElements: gatherElementsGrad,
});
