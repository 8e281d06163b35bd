/**
 * The gradient of a 2-D Conv (group 1, dilations 1, any strides and asymmetric pads), built from
 * ops that work with symbolic batch and spatial sizes. With s the stride, dY is first spread to
 * the input's grid ("dilated"): dYs[n, m, s*i, s*j] = dY[n, m, i, j] and zeros between (s*Ho x
 * s*Wo; for s = 1 it is dY). Then
 *   dX = Conv(dYs, W flipped in space and transposed to [C, M, k, k]) with begin pads k-1-pad_begin,
 *        cut to X's size (a full correlation, the transposed convolution);
 *   dW[m, c, ky, kx] = sum over n, p, r of dYs[n, m, p, r] * Xp[n, c, p + ky, r + kx], Xp the
 *        padded X: one MatMul per kernel tap, over the flattened positions;
 *   dB = sum of dY over batch and space.
 * ONNX Runtime's CPU provider has Conv for float32 only, so these gradients run in float32 too.
 */
import { GraphBuildError, type Dim, type Value } from "../../onnx/graph.js";
import {
  concat,
  constI64,
  conv,
  gather,
  matmul,
  mul,
  reduceSum,
  reshape,
  reshapeTo,
  shapeOf,
  sliceFromStarts,
  sliceToEnds,
  transpose,
  unsqueeze,
  zeroPad,
} from "../../onnx/ops/index.js";
import { mulDims } from "../../onnx/shape.js";
import type { GradientQuery } from "../gradient-rule.js";

/** The attributes of a 2-D Conv node this rule covers. */
interface ConvGeometry {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
}

function geometry(q: GradientQuery): ConvGeometry {
  const [x, w] = [q.input(0), q.input(1)];
  if (x.shape.length !== 4) q.fail(`only 2-D convolutions are supported, got input rank ${x.shape.length}`);
  const [kh, kw] = [w.shape[2], w.shape[3]];
  if (typeof kh !== "number" || typeof kw !== "number") q.fail("the kernel size must be fixed");
  if (q.int("group", 1) !== 1) q.fail(`group ${q.int("group", 1)} is not supported (only 1)`);
  if ((q.ints("dilations") ?? [1, 1]).some((d) => d !== 1)) q.fail("dilations other than 1 are not supported");
  const autoPad = q.string("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET") q.fail(`auto_pad ${autoPad} is not supported: give explicit pads`);
  const [sh = 1, sw = 1] = q.ints("strides") ?? [];
  const [pt = 0, pl = 0, pb = 0, pr = 0] = q.ints("pads") ?? [];
  if (pt > kh - 1 || pl > kw - 1) q.fail(`begin pads [${pt}, ${pl}] larger than the kernel size - 1 are not supported`);
  return { kernel: [kh, kw], strides: [sh, sw], pads: [pt, pl, pb, pr] };
}

/** dy [N, M, Ho, Wo] -> [N, M, s*Ho, t*Wo]: dy's values at multiples of the strides, zeros between. */
function dilate(dy: Value, [s, t]: readonly [number, number]): Value {
  if (s === 1 && t === 1) return dy;
  const spread = zeroPad(unsqueeze(dy, [3, 5]), [0, 0, 0, 0, 0, 0, 0, 0, 0, s - 1, 0, t - 1]);
  const shape = mul(shapeOf(dy), constI64(dy.graph, [1, 1, s, t], [4], "dilation"));
  const [n, m, ho, wo] = dy.shape as readonly Dim[];
  return reshapeTo(spread, shape, [n as Dim, m as Dim, mulDims(s, ho as Dim), mulDims(t, wo as Dim)]);
}

/** w [M, C, kh, kw] -> [C, M, kh, kw] reversed along both kernel axes. */
function flippedTransposed(w: Value, [kh, kw]: readonly [number, number]): Value {
  const g = w.graph;
  const reversed = (k: number): Value =>
    constI64(
      g,
      Array.from({ length: k }, (_, i) => k - 1 - i),
      [k],
      "reversed",
    );
  return gather(gather(transpose(w, [1, 0, 2, 3]), reversed(kh), 2), reversed(kw), 3);
}

/** dX [N, C, H, W] from the dilated dys [N, M, s*Ho, t*Wo]. */
function inputGrad(x: Value, w: Value, dys: Value, geo: ConvGeometry): Value {
  const [kh, kw] = geo.kernel;
  const [pt, pl, pb, pr] = geo.pads;
  const pads = [kh - 1 - pt, kw - 1 - pl, Math.max(0, kh - 1 - pb), Math.max(0, kw - 1 - pr)];
  const full = conv(dys, flippedTransposed(w, geo.kernel), null, { pads });
  // At least X's size (s * Ho >= H + pt + pb - k + 1); cut to it, which also gives X's declared dims.
  return sliceToEnds(full, [2, 3], shapeOf(x, 2, 4), [x.shape[2] as Dim, x.shape[3] as Dim]);
}

/** dW [M, C, kh, kw] from x [N, C, H, W] and the dilated dys [N, M, s*Ho, t*Wo]. */
function weightGrad(x: Value, w: Value, dys: Value, geo: ConvGeometry): Value {
  const [kh, kw] = geo.kernel;
  const [s, t] = geo.strides;
  const [pt, pl, pb, pr] = geo.pads;
  // s - 1 more zeros at the end, so every tap's window of s*Ho rows fits (they meet only zeros of dys).
  const xp = zeroPad(x, [0, 0, pt, pl, 0, 0, pb + s - 1, pr + t - 1]);
  const g = x.graph;
  const dyFlat = reshape(dys, [0, 0, -1]); // [N, M, L]
  const window = shapeOf(dys, 2, 4);
  const taps: Value[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const from = sliceFromStarts(xp, [2, 3], constI64(g, [ky, kx], [2], "tap"), [`${xp.shape[2]}-${ky}`, `${xp.shape[3]}-${kx}`]);
      const patch = sliceToEnds(from, [2, 3], window, [dys.shape[2] as Dim, dys.shape[3] as Dim]); // [N, C, s*Ho, t*Wo]
      const cols = transpose(reshape(patch, [0, 0, -1]), [0, 2, 1]); // [N, L, C]
      taps.push(unsqueeze(reduceSum(matmul(dyFlat, cols), [0], false), [2])); // [M, C, 1]
    }
  }
  const [m, cw] = w.shape as readonly Dim[];
  if (typeof m !== "number" || typeof cw !== "number") throw new GraphBuildError(`Conv weight ${w.name} needs a fixed shape`);
  return reshape(concat(taps, 2), [m, cw, kh, kw]);
}

/** The Conv rule: gradients of X [N, C, H, W], W [M, C, kh, kw] and B [M], each when wanted. */
export function convGrad(q: GradientQuery): (Value | null)[] {
  const geo = geometry(q);
  const [x, w, bias] = [q.input(0), q.input(1), q.optional(2)];
  const dy = q.grad();
  const dys = q.wanted(0) || q.wanted(1) ? dilate(dy, geo.strides) : null;
  return [
    q.wanted(0) && dys ? inputGrad(x, w, dys, geo) : null,
    q.wanted(1) && dys ? weightGrad(x, w, dys, geo) : null,
    bias && q.wanted(2) ? reduceSum(dy, [0, 2, 3], false) : null,
  ];
}
