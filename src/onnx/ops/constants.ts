/** Constant tensors as inline initializers of a graph. */
import { tensor } from "../../tensor.js";
import type { Graph, Value } from "../graph.js";

export function constF32(g: Graph, values: readonly number[], dims: readonly number[] = [values.length], hint = "const"): Value {
  return g.constant(tensor("f32", dims, Float32Array.from(values)), hint);
}

export function scalarF32(g: Graph, value: number): Value {
  return constF32(g, [value], [], "scalar");
}

export function constI64(g: Graph, values: readonly number[], dims: readonly number[] = [values.length], hint = "ints"): Value {
  return g.constant(
    tensor(
      "i64",
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    ),
    hint,
  );
}
