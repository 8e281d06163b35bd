/** Shape rules of spatial ops on [N, C, *spatial]: Conv, Pad, Resize. */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import { mulDims, shapeText } from "../shape.js";
import type { Dim, OutputSpec, Shape } from "../ir.js";

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

/** x [N, C, *spatial], weight [M, C/group, *kernel], optional bias [M]. */
function conv(q: ShapeQuery): OutputSpec[] {
  const [x, weight] = [q.input(0, "X"), q.input(1, "W")];
  const spatial = x.shape.length - 2;
  if (spatial < 1 || weight.shape.length !== x.shape.length) {
    q.fail(`input ${shapeText(x.shape)} and weight ${shapeText(weight.shape)} must both be [N, C, *spatial] / [M, C, *kernel]`);
  }
  const kernel = q.ints("kernel_shape");
  if (kernel.length !== spatial || kernel.some((k, i) => weight.shape[i + 2] !== k)) {
    q.fail(`kernel_shape [${kernel}] does not fit weight ${weight.name} ${shapeText(weight.shape)}`);
  }
  const group = q.int("group", 1);
  const strides = q.ints("strides", new Array<number>(spatial).fill(1));
  const pads = q.ints("pads", new Array<number>(2 * spatial).fill(0));
  const dilations = q.ints("dilations", new Array<number>(spatial).fill(1));
  if (strides.length !== spatial || dilations.length !== spatial || pads.length !== 2 * spatial) {
    q.fail(`strides [${strides}], dilations [${dilations}] and pads [${pads}] do not fit ${spatial} spatial axes`);
  }
  const [channels, perGroup] = [x.shape[1], weight.shape[1]];
  if (typeof channels === "number" && typeof perGroup === "number" && channels !== perGroup * group) {
    q.fail(
      `input ${shapeText(x.shape)} has ${channels} channels, weight ${weight.name} ${shapeText(weight.shape)} expects ${perGroup * group}`,
    );
  }
  const out = weight.shape[0] as Dim;
  const bias = q.optional(2);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== out))
    q.fail(`bias ${bias.name} ${shapeText(bias.shape)} does not fit ${out} output channels`);
  const shape: Dim[] = [x.shape[0] as Dim, out];
  for (let a = 0; a < spatial; a++) {
    const padTotal = (pads[a] as number) + (pads[a + spatial] as number);
    shape.push(convOutDim(x.shape[a + 2] as Dim, kernel[a] as number, strides[a] as number, padTotal, dilations[a] as number));
  }
  return [{ dtype: x.dtype, shape }];
}

/**
 * Inputs data and pads [begin_0.., end_0..] (and the pad value): constant pads grow each axis by
 * its pads; computed pads (an i64 vector of 2 * rank entries) need the caller to declare the result.
 */
function pad(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const rank = x.shape.length;
  const pads = q.constInts(1);
  if (!pads) {
    q.expectDtype(q.input(1, "pads"), ["i64"], "pads");
    const [shape] = q.declared("the pads are computed", 1) as [Shape];
    const length = q.input(1, "pads").shape[0];
    if (shape.length !== rank || (typeof length === "number" && length !== 2 * rank))
      q.fail(`the declared shape ${shapeText(shape)} and ${length} pads do not fit ${shapeText(x.shape)}`);
    return [{ dtype: x.dtype, shape }];
  }
  if (pads.length !== 2 * rank) q.fail(`pads [${pads}] need 2 entries per axis of ${shapeText(x.shape)}`);
  const shape: Dim[] = x.shape.map((d, a) => {
    const total = (pads[a] as number) + (pads[a + rank] as number);
    if (typeof d === "number") return d + total;
    return total === 0 ? d : `${d}${total > 0 ? "+" : ""}${total}`;
  });
  return [{ dtype: x.dtype, shape }];
}

/** Inputs X, roi (unused), constant integer scales: each axis multiplied by its scale. */
function resize(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const scalesInput = q.input(2, "scales");
  const scales = scalesInput.constant ? Array.from(scalesInput.constant.data as Float32Array) : null;
  if (!scales || scales.length !== x.shape.length) q.fail(`scales must be a constant with one entry per axis of ${shapeText(x.shape)}`);
  if (scales.some((s) => !Number.isInteger(s) || s < 1)) q.fail(`only positive integer scales are supported, got [${scales}]`);
  return [{ dtype: x.dtype, shape: x.shape.map((d, a) => (scales[a] === 1 ? d : mulDims(scales[a] as number, d))) }];
}

export const SPATIAL_OPS: readonly OpSchema[] = opSchemas({
  Conv: conv,
  Pad: pad,
  Resize: resize,
});
