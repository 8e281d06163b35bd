/** Row slicing and stacking of tensors of any dtype (byte copies: exact for every dtype). */
import { InvalidArgumentError } from "../../errors.js";
import { allocate, BYTES_PER_ELEMENT, numel, shapeString, type DType, type Tensor } from "../../tensor.js";

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function rowElements(dims: readonly number[]): number {
  return numel(dims.slice(1));
}

/** Rows [start, start + count) of `t` (dim 0), copied. */
export function sliceRows<D extends DType>(t: Tensor<D>, start: number, count: number): Tensor<D> {
  const rows = t.dims[0];
  if (rows === undefined || start < 0 || count < 0 || start + count > rows) {
    throw new InvalidArgumentError(`cannot take rows [${start}, ${start + count}) of a tensor of shape ${shapeString(t.dims)}`);
  }
  const rowBytes = rowElements(t.dims) * BYTES_PER_ELEMENT[t.dtype];
  const data = allocate(t.dtype, count * rowElements(t.dims));
  new Uint8Array(data.buffer).set(bytesOf(t).subarray(start * rowBytes, (start + count) * rowBytes));
  return { dtype: t.dtype, dims: [count, ...t.dims.slice(1)], data };
}

/** Stacks tensors of one dtype and equal trailing dims along dim 0. */
export function concatRows<D extends DType>(parts: readonly Tensor<D>[]): Tensor<D> {
  const first = parts[0];
  if (first === undefined || first.dims.length === 0) throw new InvalidArgumentError("concatRows needs at least one tensor of rank >= 1");
  const tail = shapeString(first.dims.slice(1));
  let rows = 0;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.dims.length === 0 || shapeString(p.dims.slice(1)) !== tail) {
      throw new InvalidArgumentError(`cannot stack ${p.dtype} ${shapeString(p.dims)} under ${first.dtype} ${shapeString(first.dims)}`);
    }
    rows += p.dims[0] ?? 0;
  }
  const data = allocate(first.dtype, rows * rowElements(first.dims));
  const out = new Uint8Array(data.buffer);
  let at = 0;
  for (const p of parts) {
    out.set(bytesOf(p), at);
    at += p.data.byteLength;
  }
  return { dtype: first.dtype, dims: [rows, ...first.dims.slice(1)], data };
}

/** Rows [a; b] -> [b; a]; dim 0 must be even. Its own inverse. */
export function swapHalves<D extends DType>(t: Tensor<D>): Tensor<D> {
  const rows = t.dims[0];
  if (rows === undefined || rows % 2 !== 0)
    throw new InvalidArgumentError(`cannot swap the halves of a tensor of shape ${shapeString(t.dims)}`);
  const half = rows / 2;
  return concatRows([sliceRows(t, half, half), sliceRows(t, 0, half)]);
}
