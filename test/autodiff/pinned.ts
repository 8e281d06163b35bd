/**
 * Test helper for symbolic-shape gradient cases: the harness needs outputs of static shape, so a
 * value of symbolic shape is reshaped to the static dims the case feeds (a Reshape whose target is
 * computed at run time, Shape(v), as the FLUX graph's reshapeTo does).
 */
import type { Dim, Value } from "../../src/onnx/index.js";
import { ops } from "../../src/onnx/index.js";

/** v with its tracked shape replaced by `dims` (the sizes it has at run time in the case). */
export function pinned(v: Value, dims: readonly Dim[]): Value {
  return ops.reshapeTo(v, ops.shapeOf(v), dims);
}
