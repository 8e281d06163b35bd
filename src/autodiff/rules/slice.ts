/**
 * The gradient of Slice (steps of 1): dy padded with zeros back to x's shape. Along each sliced
 * axis of length n the pads are begin = clamp(start) and end = n - clamp(start) - len(dy), where
 * clamp is Slice's own (negative counts from the end, then into [0, n]).
 *
 * Pad rather than Concat with zeros: one node whatever the number of sliced axes, and zero blocks
 * of run-time sizes would each need their own shape vector. When a bound or the axis length is
 * known only at run time (sliceAfter's start is the Shape of another value), the pads are computed
 * in the graph: clamp(start) = n - len(r[start:]) for a length-n vector r, so ONNX Runtime's Slice
 * does the clamping itself, exactly as it did in the forward pass, and Pad takes the computed pads.
 */
import type { Dim, Value } from "../../onnx/graph.js";
import { concat, constI64, filledLike, gather, shapeOf, sliceFromStarts, sub, zeroPad, zeroPadBy } from "../../onnx/ops/index.js";
import { normAxis } from "../../onnx/shape.js";
import { gradientEntries } from "../gradient-registry.js";
import type { GradientQuery } from "../gradient-rule.js";

/** A pad or a slice bound: a number known when building, or an i64 [1] computed at run time. */
type Entry = number | Value;

/** ONNX Slice's clamp of a bound on an axis of length n. */
function clamp(i: number, n: number): number {
  return Math.min(Math.max(i < 0 ? i + n : i, 0), n);
}

/** Bound k of Slice input `input` (starts 1, ends 2): a number when constant, else element k as an i64 [1]. */
function bound(q: GradientQuery, input: number, k: number): Entry {
  const values = q.constInts(input);
  if (values) return values[k] as number;
  const vector = q.input(input);
  if (vector.shape[0] === 1) return vector;
  return gather(vector, constI64(vector.graph, [k], [1], "bound_index"), 0);
}

/** clamp(start) on axis a of x, an i64 [1] computed at run time: n - len(r[start:]) for a vector r of length n. */
function clampedStart(x: Value, a: number, start: Entry): Value {
  const n = shapeOf(x, a, a + 1);
  const r = filledLike(n, [x.shape[a] as Dim]); // only its length matters
  const from = typeof start === "number" ? constI64(x.graph, [start], [1], "start") : start;
  return sub(n, shapeOf(sliceFromStarts(r, [0], from, [`${x.shape[a]}-start`])));
}

/** The [begin, end] pads of axis a: numbers when the bounds and the axis length are known, else computed. */
function padsOfAxis(x: Value, dy: Value, a: number, start: Entry, end: Entry): [Entry, Entry] {
  const n = x.shape[a];
  if (typeof n === "number" && typeof start === "number" && typeof end === "number") {
    const [s, e] = [clamp(start, n), clamp(end, n)];
    return [s, n - s - Math.max(0, e - s)];
  }
  const begin = clampedStart(x, a, start);
  return [begin, sub(sub(shapeOf(x, a, a + 1), begin), shapeOf(dy, a, a + 1))];
}

/** The pads as one run-time i64 vector, the known ones as constants. */
function padVector(x: Value, entries: readonly Entry[]): Value {
  const g = x.graph;
  return concat(
    entries.map((e) => (typeof e === "number" ? constI64(g, [e], [1], "pad") : e)),
    0,
  );
}

/** Slice (data, starts, ends, axes, steps): dy [sliced x] zero-padded to x's shape; the bounds get no gradient. */
function sliceGrad(q: GradientQuery): (Value | null)[] {
  const x = q.input(0);
  const dy = q.grad();
  const rank = x.shape.length;
  if (q.optional(4)) {
    const steps = q.constInts(4);
    if (!steps || steps.some((s) => s !== 1)) q.fail(`only steps of 1 are differentiable, got ${steps ? `[${steps}]` : "computed steps"}`);
  }
  const count = q.constInts(1)?.length ?? q.input(1).shape[0];
  if (typeof count !== "number") q.fail("the number of sliced axes must be known");
  const axes = q.optional(3) ? q.constInts(3) : Array.from({ length: count }, (_, i) => i);
  if (!axes) q.fail("the sliced axes must be a constant");
  const pads: Entry[] = new Array<Entry>(2 * rank).fill(0);
  axes.forEach((axis, k) => {
    const a = normAxis(axis, rank, "Slice");
    [pads[a], pads[a + rank]] = padsOfAxis(x, dy, a, bound(q, 1, k), bound(q, 2, k));
  });
  const known = pads.filter((p): p is number => typeof p === "number");
  const dx = known.length === pads.length ? zeroPad(dy, known) : zeroPadBy(dy, padVector(x, pads), x.shape);
  return [dx, null, null, null, null];
}

export const SLICE_GRADIENTS = gradientEntries({ Slice: sliceGrad });
