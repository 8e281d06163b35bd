/** Stacking, slicing and repeating float tensors along the batch axis (dim 0). */
import { InvalidArgumentError } from "../../errors.js";
import { shapeString, tensor, type Tensor } from "../../tensor.js";

/** [b_i, ...rest] each -> [sum b_i, ...rest]. */
export function stackBatch(parts: readonly Tensor<"f32">[]): Tensor<"f32"> {
  const first = parts[0];
  if (!first) throw new InvalidArgumentError("stackBatch needs at least one tensor");
  const rest = first.dims.slice(1);
  let batch = 0;
  for (const p of parts) {
    if (p.dims.slice(1).join() !== rest.join())
      throw new InvalidArgumentError(`cannot stack ${shapeString(p.dims)} with ${shapeString(first.dims)}`);
    batch += p.dims[0] as number;
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return tensor("f32", [batch, ...rest], out);
}

/** Samples [from, from + count) of [B, ...rest]. */
export function sliceBatch(t: Tensor<"f32">, from: number, count = 1): Tensor<"f32"> {
  const batch = t.dims[0] as number;
  if (from < 0 || count < 1 || from + count > batch)
    throw new InvalidArgumentError(`cannot take samples ${from}..${from + count - 1} of a batch of ${batch}`);
  const size = t.data.length / batch;
  return tensor("f32", [count, ...t.dims.slice(1)], t.data.slice(from * size, (from + count) * size));
}

/** [1, ...rest] -> [times, ...rest]. */
export function repeatBatch(t: Tensor<"f32">, times: number): Tensor<"f32"> {
  if (t.dims[0] !== 1) throw new InvalidArgumentError(`repeatBatch takes one sample, got ${shapeString(t.dims)}`);
  return stackBatch(Array.from({ length: times }, () => t));
}
