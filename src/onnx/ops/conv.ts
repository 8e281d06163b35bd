/** Spatial ops on NCHW tensors: convolution, padding, nearest-neighbour resizing. */
import { attr, GraphBuildError, type Value } from "../graph.js";
import { shapeText } from "../shape.js";
import { constF32, constI64 } from "./constants.js";

export interface ConvOptions {
  /** Per spatial axis; default 1. */
  readonly strides?: readonly number[];
  /** ONNX order [begin_1, ..., begin_n, end_1, ..., end_n]; default 0 (asymmetric pads allowed). */
  readonly pads?: readonly number[];
  readonly dilations?: readonly number[];
  readonly group?: number;
}

export { convOutDim } from "../op-rules/spatial.js";

/**
 * ONNX Conv on x [N, C, *spatial] with weight [M, C/group, *kernel] and optional bias [M].
 * Left to ONNX Runtime's full optimisation, which runs it in its blocked NCHWc layout.
 */
export function conv(x: Value, weight: Value, bias: Value | null, options: ConvOptions = {}): Value {
  const spatial = x.shape.length - 2;
  const kernel = weight.shape.slice(2);
  if (spatial < 1 || weight.shape.length !== x.shape.length) {
    throw new GraphBuildError(
      `Conv: input ${shapeText(x.shape)} and weight ${shapeText(weight.shape)} must both be [N, C, *spatial] / [M, C, *kernel]`,
    );
  }
  if (!kernel.every((k): k is number => typeof k === "number"))
    throw new GraphBuildError(`Conv: weight ${weight.name} needs a fixed kernel size, got ${shapeText(weight.shape)}`);
  const group = options.group ?? 1;
  const strides = options.strides ?? new Array<number>(spatial).fill(1);
  const pads = options.pads ?? new Array<number>(2 * spatial).fill(0);
  const dilations = options.dilations ?? new Array<number>(spatial).fill(1);
  const attrs = {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(strides),
    pads: attr.ints(pads),
    dilations: attr.ints(dilations),
    group: attr.int(group),
  };
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return x.graph.addNode("Conv", inputs, attrs)[0] as Value;
}

/**
 * ONNX Pad with a constant value. `pads` has ONNX's order over all axes:
 * [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}] (torch's F.pad lists the last axis first).
 */
export function pad(x: Value, pads: readonly number[], value = 0): Value {
  const g = x.graph;
  const inputs = [x, constI64(g, pads, [pads.length], "pads"), constF32(g, [value], [], "pad_value")];
  return g.addNode("Pad", inputs, { mode: attr.string("constant") })[0] as Value;
}

/**
 * Nearest-neighbour upsampling of the spatial axes of [N, C, H, W] by an integer factor: ONNX Resize
 * with asymmetric coordinates and floor rounding, i.e. out[y, x] = in[floor(y / s), floor(x / s)]
 * (torch's F.interpolate(mode="nearest") for integer scales).
 */
export function resizeNearest(x: Value, factor: number): Value {
  if (!Number.isInteger(factor) || factor < 1) throw new GraphBuildError(`Resize: the factor must be a positive integer, got ${factor}`);
  if (x.shape.length < 3) throw new GraphBuildError(`Resize: needs [N, C, *spatial], got ${shapeText(x.shape)}`);
  const g = x.graph;
  const scales = x.shape.map((_, a) => (a < 2 ? 1 : factor));
  const attrs = {
    mode: attr.string("nearest"),
    coordinate_transformation_mode: attr.string("asymmetric"),
    nearest_mode: attr.string("floor"),
  };
  const inputs = [x, null, constF32(g, scales, [scales.length], "scales")];
  return g.addNode("Resize", inputs, attrs)[0] as Value;
}
