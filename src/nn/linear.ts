/** Linear layer with torch's [out, in] weight layout: y = x W^T + b (+ adapter branches). */
import type { Value } from "../onnx/graph.js";
import { concat, gemmTransB, matMulNBits, reshape, reshapeTo, shapeOf } from "../onnx/ops/index.js";
import { constI64 } from "../onnx/ops/constants.js";
import { adaptersOf } from "./adapter-context.js";
import { type BuildContext, Module, type ParamSpec } from "./module.js";

export class Linear extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | null;

  constructor(
    path: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super(path);
    this.weight = this.param("weight", [outFeatures, inFeatures]);
    this.bias = bias ? this.param("bias", [outFeatures]) : null;
  }

  /**
   * x: [..., in] -> [..., out]. Leading dims are flattened for one Gemm (bias fused, weight not
   * transposed); adapters of this layer (an AdapterBuildContext) add their branches to it.
   */
  forward(ctx: BuildContext, x: Value): Value {
    const b = this.bias ? ctx.param(this.bias) : null;
    const flat = x.shape.length === 2 ? x : reshape(x, [-1, this.inFeatures]);
    let y = this.product(ctx, flat, b);
    const adapters = adaptersOf(ctx);
    if (adapters) y = adapters.apply(ctx, this, flat, y, x);
    if (x.shape.length === 2) return y;
    const lead = shapeOf(x, 0, x.shape.length - 1);
    const target = concat([lead, constI64(x.graph, [this.outFeatures])], 0);
    return reshapeTo(y, target, [...x.shape.slice(0, -1), this.outFeatures]);
  }

  /** flat: [N, in] -> [N, out]: Gemm on float weights, or MatMulNBits on quantized ones. */
  private product(ctx: BuildContext, flat: Value, bias: Value | null): Value {
    const q = ctx.quantized(this.weight);
    if (!q) return gemmTransB(flat, ctx.param(this.weight), bias);
    return matMulNBits(flat, q.b, q.scales, q.zeroPoints, {
      K: this.inFeatures,
      N: this.outFeatures,
      bits: q.bits,
      blockSize: q.blockSize,
      accuracyLevel: q.accuracyLevel,
      bias: bias ?? undefined,
    });
  }
}
