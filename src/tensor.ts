/**
 * A thin host tensor: a dtype, dims and a flat row-major typed array. Shared by every layer;
 * free functions below, no methods, so it can cross worker-thread boundaries as plain data.
 */
import { InvalidArgumentError } from "./errors.js";

export type DType = "f32" | "f16" | "bf16" | "f64" | "i64" | "i32" | "i8" | "u8" | "bool";

/** The typed array that holds each dtype. f16 and bf16 hold raw 16-bit patterns. */
export interface DataOf {
  f32: Float32Array;
  f16: Uint16Array;
  bf16: Uint16Array;
  f64: Float64Array;
  i64: BigInt64Array;
  i32: Int32Array;
  i8: Int8Array;
  u8: Uint8Array;
  bool: Uint8Array;
}

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: DataOf[D];
}

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  f32: 4,
  f16: 2,
  bf16: 2,
  f64: 8,
  i64: 8,
  i32: 4,
  i8: 1,
  u8: 1,
  bool: 1,
};

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function allocate<D extends DType>(dtype: D, length: number): DataOf[D] {
  const make: { [K in DType]: (n: number) => DataOf[K] } = {
    f32: (n) => new Float32Array(n),
    f16: (n) => new Uint16Array(n),
    bf16: (n) => new Uint16Array(n),
    f64: (n) => new Float64Array(n),
    i64: (n) => new BigInt64Array(n),
    i32: (n) => new Int32Array(n),
    i8: (n) => new Int8Array(n),
    u8: (n) => new Uint8Array(n),
    bool: (n) => new Uint8Array(n),
  };
  return make[dtype](length);
}

export function tensor<D extends DType>(dtype: D, dims: readonly number[], data?: DataOf[D]): Tensor<D> {
  const n = numel(dims);
  const values = data ?? allocate(dtype, n);
  if (values.length !== n) {
    throw new InvalidArgumentError(`tensor of shape [${dims.join(", ")}] needs ${n} values, got ${values.length}`);
  }
  return { dtype, dims: [...dims], data: values };
}

export function zeros(dims: readonly number[]): Tensor<"f32"> {
  return tensor("f32", dims);
}

export function f32(dims: readonly number[], values: ArrayLike<number>): Tensor<"f32"> {
  return tensor("f32", dims, Float32Array.from(values));
}

export function reshape<D extends DType>(t: Tensor<D>, dims: readonly number[]): Tensor<D> {
  if (numel(dims) !== t.data.length) {
    throw new InvalidArgumentError(`cannot reshape [${t.dims.join(", ")}] to [${dims.join(", ")}]`);
  }
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

export function isDType(name: string): name is DType {
  return name in BYTES_PER_ELEMENT;
}

export function shapeString(dims: readonly (number | string)[]): string {
  return `[${dims.join(", ")}]`;
}
