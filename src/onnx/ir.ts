/**
 * The vocabulary of the graph IR that both the Graph and the op registry speak: dimensions,
 * attributes, output specs and the build error. Nothing here knows a Graph, so the registry's
 * shape rules can import it without a cycle.
 */
import type { DType, Tensor } from "../tensor.js";
import { IceditError } from "../errors.js";

/** A dimension: a number, or a symbolic name such as "B" or "L". */
export type Dim = number | string;
export type Shape = readonly Dim[];

export class GraphBuildError extends IceditError {}

export type Attribute =
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "tensor"; readonly value: Tensor };

export type Attributes = Readonly<Record<string, Attribute>>;

export const attr = {
  int: (value: number): Attribute => ({ type: "int", value }),
  float: (value: number): Attribute => ({ type: "float", value }),
  string: (value: string): Attribute => ({ type: "string", value }),
  ints: (value: readonly number[]): Attribute => ({ type: "ints", value }),
  floats: (value: readonly number[]): Attribute => ({ type: "floats", value }),
  tensor: (value: Tensor): Attribute => ({ type: "tensor", value }),
};

/** What a node's output is: its dtype and (possibly symbolic) shape. */
export interface OutputSpec {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** A value as a shape rule sees it (a Graph's Value is one). */
export interface ValueInfo extends OutputSpec {
  readonly name: string;
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = { f32: 1, u8: 2, i8: 3, i32: 6, i64: 7, bool: 9, f16: 10, f64: 11, bf16: 16 };

/** The DType of an ONNX TensorProto.DataType code, or null for one icedit does not use. */
export function dtypeOfOnnx(code: number): DType | null {
  const found = Object.entries(ONNX_DTYPE).find(([, c]) => c === code);
  return found ? (found[0] as DType) : null;
}
