/** Spatial ops on NCHW tensors: convolution, padding, nearest-neighbour resizing. */
import { attr, GraphBuildError, type Dim, type Value } from "../graph.js";
import { mulDims, shapeText } from "../shape.js";
import { constF32, constI64 } from "./constants.js";

export interface ConvOptions {
  /** Per spatial axis; default 1. */
  readonly strides?: readonly number[];
  /** ONNX order [begin_1, ..., begin_n, end_1, ..., end_n]; default 0 (asymmetric pads allowed). */
  readonly pads?: readonly number[];
  readonly dilations?: readonly number[];
  readonly group?: number;
}

/**
 * Output size of one spatial axis: floor((d + padTotal - dilation*(k-1) - 1) / stride) + 1.
 * A symbolic `d` gives a readable name ("H", "H/2" for floor(H/2), "floor((H+1)/2)").
 */
export function convOutDim(d: Dim, kernel: number, stride: number, padTotal: number, dilation = 1): Dim {
  const delta = padTotal - dilation * (kernel - 1) - 1;
  if (typeof d === "number") return Math.floor((d + delta) / stride) + 1;
  const offset = delta + stride; // output = floor((d + offset) / stride)
  const sum = offset === 0 ? d : `${d}${offset > 0 ? "+" : ""}${offset}`;
  if (stride === 1) return sum;
  return offset === 0 ? `${d}/${stride}` : `floor((${sum})/${stride})`;
}

/**
 * ONNX Conv on x [N, C, *spatial] with weight [M, C/group, *kernel] and optional bias [M].
 * Left to ONNX Runtime's full optimisation, which runs it in its blocked NCHWc layout.
 */
export function conv(x: Value, weight: Value, bias: Value | null, options: ConvOptions = {}): Value {
  const spatial = x.shape.length - 2;
  if (spatial < 1 || weight.shape.length !== x.shape.length) {
    throw new GraphBuildError(`Conv: input ${shapeText(x.shape)} and weight ${shapeText(weight.shape)} must both be [N, C, *spatial] / [M, C, *kernel]`);
  }
  const kernel = weight.shape.slice(2);
  if (!kernel.every((k): k is number => typeof k === "number")) throw new GraphBuildError(`Conv: weight ${weight.name} needs a fixed kernel size, got ${shapeText(weight.shape)}`);
  const group = options.group ?? 1;
  const strides = options.strides ?? new Array<number>(spatial).fill(1);
  const pads = options.pads ?? new Array<number>(2 * spatial).fill(0);
  const dilations = options.dilations ?? new Array<number>(spatial).fill(1);
  if (strides.length !== spatial || dilations.length !== spatial || pads.length !== 2 * spatial) {
    throw new GraphBuildError(`Conv: strides [${strides}], dilations [${dilations}] and pads [${pads}] do not fit ${spatial} spatial axes`);
  }
  const channels = x.shape[1];
  const perGroup = weight.shape[1];
  if (typeof channels === "number" && typeof perGroup === "number" && channels !== perGroup * group) {
    throw new GraphBuildError(`Conv: input ${shapeText(x.shape)} has ${channels} channels, weight ${weight.name} ${shapeText(weight.shape)} expects ${perGroup * group}`);
  }
  const out = weight.shape[0] as Dim;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== out)) {
    throw new GraphBuildError(`Conv: bias ${bias.name} ${shapeText(bias.shape)} does not fit ${out} output channels`);
  }
  const shape: Dim[] = [x.shape[0] as Dim, out];
  for (let a = 0; a < spatial; a++) {
    const padTotal = (pads[a] as number) + (pads[a + spatial] as number);
    shape.push(convOutDim(x.shape[a + 2] as Dim, kernel[a] as number, strides[a] as number, padTotal, dilations[a] as number));
  }
  const attrs = {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(strides),
    pads: attr.ints(pads),
    dilations: attr.ints(dilations),
    group: attr.int(group),
  };
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return x.graph.addNode("Conv", inputs, attrs, [{ dtype: x.dtype, shape }])[0] as Value;
}

/**
 * ONNX Pad with a constant value. `pads` has ONNX's order over all axes:
 * [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}] (torch's F.pad lists the last axis first).
 */
export function pad(x: Value, pads: readonly number[], value = 0): Value {
  const rank = x.shape.length;
  if (pads.length !== 2 * rank) throw new GraphBuildError(`Pad: pads [${pads}] need 2 entries per axis of ${shapeText(x.shape)}`);
  const shape: Dim[] = x.shape.map((d, a) => {
    const total = (pads[a] as number) + (pads[a + rank] as number);
    if (typeof d === "number") return d + total;
    return total === 0 ? d : `${d}${total > 0 ? "+" : ""}${total}`;
  });
  const g = x.graph;
  const inputs = [x, constI64(g, pads, [pads.length], "pads"), constF32(g, [value], [], "pad_value")];
  return g.addNode("Pad", inputs, { mode: attr.string("constant") }, [{ dtype: x.dtype, shape }])[0] as Value;
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
  const shape = x.shape.map((d, a) => (a < 2 ? d : mulDims(factor, d)));
  const attrs = {
    mode: attr.string("nearest"),
    coordinate_transformation_mode: attr.string("asymmetric"),
    nearest_mode: attr.string("floor"),
  };
  const inputs = [x, null, constF32(g, scales, [scales.length], "scales")];
  return g.addNode("Resize", inputs, attrs, [{ dtype: x.dtype, shape }])[0] as Value;
}
