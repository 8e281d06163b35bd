/** Shape rules of ops that pick, scatter or create values: Cast, Gather, GatherND, TopK, ScatterElements, GatherElements, ConstantOfShape. */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import { normAxis, shapeText } from "../shape.js";
import { dtypeOfOnnx, type Dim, type OutputSpec, type Shape } from "../ir.js";
import { checkDeclaredRank } from "./layout.js";

const INDEX_DTYPES = ["i64", "i32"];

function cast(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const to = dtypeOfOnnx(q.int("to"));
  if (!to) q.fail(`cast target ${q.int("to")} is not a dtype icedit uses`);
  return [{ dtype: to, shape: x.shape }];
}

function gather(q: ShapeQuery): OutputSpec[] {
  const [data, indices] = [q.input(0, "data"), q.input(1, "indices")];
  q.expectDtype(indices, INDEX_DTYPES, "indices");
  const a = normAxis(q.int("axis", 0), data.shape.length, q.opType);
  return [{ dtype: data.dtype, shape: [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)] }];
}

/** data [b..., d...], indices [b..., m..., k] -> [b..., m..., d[k:]...] with batch_dims leading batch axes. */
function gatherND(q: ShapeQuery): OutputSpec[] {
  const [data, indices] = [q.input(0, "data"), q.input(1, "indices")];
  q.expectDtype(indices, ["i64"], "indices");
  const batchDims = q.int("batch_dims", 0);
  const depth = indices.shape[indices.shape.length - 1];
  if (typeof depth !== "number") q.fail(`the last axis of the indices must have a fixed size, got ${shapeText(indices.shape)}`);
  if (batchDims + depth > data.shape.length)
    q.fail(`${batchDims} batch axes plus ${depth}-long indices do not fit data ${shapeText(data.shape)}`);
  return [{ dtype: data.dtype, shape: [...indices.shape.slice(0, -1), ...data.shape.slice(batchDims + depth)] }];
}

/** Inputs x and a constant k [1]: values (dtype of x) and i64 indices, with axis `axis` of length k. */
function topK(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const k = q.constInts(1);
  if (!k || k.length !== 1) q.fail("k must be a constant i64 [1]");
  const a = normAxis(q.int("axis", -1), x.shape.length, q.opType);
  const [kk, dim] = [k[0] as number, x.shape[a]];
  if (kk < 1 || (typeof dim === "number" && kk > dim)) q.fail(`k ${kk} does not fit axis ${a} of ${shapeText(x.shape)}`);
  const shape: Dim[] = [...x.shape];
  shape[a] = kk;
  return [
    { dtype: x.dtype, shape },
    { dtype: "i64", shape },
  ];
}

/** data, indices, updates of one rank (indices and updates of one shape): the output is shaped like data. */
function scatterElements(q: ShapeQuery): OutputSpec[] {
  const [data, indices, updates] = [q.input(0, "data"), q.input(1, "indices"), q.input(2, "updates")];
  q.expectDtype(indices, INDEX_DTYPES, "indices");
  if (updates.dtype !== data.dtype) q.fail(`updates ${updates.name} are ${updates.dtype}, data ${data.dtype}`);
  const rank = data.shape.length;
  if (indices.shape.length !== rank || updates.shape.length !== rank) {
    q.fail(`data ${shapeText(data.shape)}, indices ${shapeText(indices.shape)} and updates ${shapeText(updates.shape)} differ in rank`);
  }
  if (indices.shape.some((d, i) => typeof d === "number" && typeof updates.shape[i] === "number" && d !== updates.shape[i])) {
    q.fail(`indices ${shapeText(indices.shape)} and updates ${shapeText(updates.shape)} differ`);
  }
  normAxis(q.int("axis", 0), rank, q.opType);
  return [{ dtype: data.dtype, shape: data.shape }];
}

/** data and indices of one rank: the output has the indices' shape and the data's dtype. */
function gatherElements(q: ShapeQuery): OutputSpec[] {
  const [data, indices] = [q.input(0, "data"), q.input(1, "indices")];
  q.expectDtype(indices, INDEX_DTYPES, "indices");
  if (indices.shape.length !== data.shape.length)
    q.fail(`data ${shapeText(data.shape)} and indices ${shapeText(indices.shape)} differ in rank`);
  normAxis(q.int("axis", 0), data.shape.length, q.opType);
  return [{ dtype: data.dtype, shape: indices.shape }];
}

/** Input: the shape (i64 vector; constant, or computed and declared); attribute value: a 1-element tensor. */
function constantOfShape(q: ShapeQuery): OutputSpec[] {
  q.expectDtype(q.input(0, "shape"), ["i64"], "shape");
  const value = q.tensor("value");
  if (value && value.data.length !== 1) q.fail(`value must hold one element, got ${value.data.length}`);
  const dtype = value ? value.dtype : "f32";
  const dims = q.constInts(0);
  if (dims) return [{ dtype, shape: dims }];
  const [shape] = q.declared("the shape is computed", 1) as [Shape];
  checkDeclaredRank(q, shape, 0);
  return [{ dtype, shape }];
}

export const INDEXING_OPS: readonly OpSchema[] = opSchemas({
  Cast: cast,
  Gather: gather,
  GatherND: gatherND,
  TopK: topK,
  ScatterElements: scatterElements,
  GatherElements: gatherElements,
  ConstantOfShape: constantOfShape,
});
